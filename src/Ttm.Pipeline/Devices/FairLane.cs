namespace Ttm.Pipeline.Devices;

/// <summary>
/// Work of one priority waiting for one device, one FIFO per tenant; the tenant that has had the least device
/// time (<see cref="DeviceShares"/>) leads, ties in turn: a tenant that floods the lane waits behind every tenant that asks
/// for less, never in front of them. Within a tenant each generation has at most one step waiting (it waits for the
/// result before asking again), so FIFO there is fair across that tenant's generations. Not thread-safe: the worker
/// holds its lock around every call.
/// </summary>
sealed class FairLane(DeviceShares shares)
{
    readonly Dictionary<string, LinkedList<DeviceWork>> byTenant = [];
    readonly LinkedList<string> turn = new(); // tenants with work, next to serve first

    public int Count { get; private set; }

    public IReadOnlyDictionary<string, int> CountByTenant() => byTenant.ToDictionary(kv => kv.Key, kv => kv.Value.Count);

    public bool HasWorkFrom(string tenant) => byTenant.ContainsKey(tenant);

    public void Add(DeviceWork work)
    {
        if (!byTenant.TryGetValue(work.Tenant, out var items))
        {
            byTenant[work.Tenant] = items = new LinkedList<DeviceWork>();
            turn.AddLast(work.Tenant);
        }
        items.AddLast(work);
        Count++;
    }

    public bool Remove(DeviceWork work)
    {
        if (!byTenant.TryGetValue(work.Tenant, out var items) || !items.Remove(work)) return false;
        Count--;
        if (items.Count == 0) Forget(work.Tenant);
        return true;
    }

    /// <summary>The tenants with work, least device time first, ties in turn.</summary>
    public IEnumerable<string> Tenants => turn.OrderBy(shares.Of);

    /// <summary>What <see cref="TakeLead"/> would take, left in place (null when the lane is empty).</summary>
    public DeviceWork? PeekLead() => Count == 0 ? null : byTenant[Tenants.First()].First!.Value;

    /// <summary>The oldest item of the tenant with the least device time; the tenant goes to the back of the line.</summary>
    public DeviceWork TakeLead() => TakeFrom(Tenants.First(), _ => true)!;

    /// <summary>
    /// Steps that can share <paramref name="lead"/>'s forward pass, added to <paramref name="taken"/> until it holds
    /// <paramref name="maxBatch"/>, taken one per tenant per round, least device time first, from tenants at most
    /// <paramref name="partnerWindow"/> seconds ahead of the lead's tenant. Served tenants go to the back.
    /// </summary>
    public void Fill(List<DeviceWork> taken, StepWork lead, int maxBatch, double partnerWindow)
    {
        double limit = shares.Of(lead.Tenant) + partnerWindow;
        bool tookAny = true;
        while (taken.Count < maxBatch && tookAny)
        {
            tookAny = false;
            foreach (var tenant in Tenants.Where(t => shares.Of(t) <= limit).ToList())
            {
                if (taken.Count >= maxBatch) break;
                if (TakeFrom(tenant, w => w is StepWork s && s.CanJoin(lead)) is { } more)
                {
                    taken.Add(more);
                    tookAny = true;
                }
            }
        }
    }

    DeviceWork? TakeFrom(string tenant, Func<DeviceWork, bool> match)
    {
        var items = byTenant[tenant];
        for (var node = items.First; node is not null; node = node.Next)
        {
            if (!match(node.Value)) continue;
            items.Remove(node);
            Count--;
            turn.Remove(tenant);
            if (items.Count == 0) byTenant.Remove(tenant);
            else turn.AddLast(tenant); // served: to the back of the line
            return node.Value;
        }
        return null;
    }

    void Forget(string tenant)
    {
        byTenant.Remove(tenant);
        turn.Remove(tenant);
    }

    public List<DeviceWork> Drain()
    {
        var all = byTenant.Values.SelectMany(items => items).ToList();
        byTenant.Clear();
        turn.Clear();
        Count = 0;
        return all;
    }
}
