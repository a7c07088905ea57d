namespace Ttm.Pipeline.Devices;

/// <summary>
/// Work of one priority waiting for one device, one FIFO per tenant, served round-robin across tenants: a tenant that
/// floods the lane waits behind one item of every other tenant, never in front of all of them. Within a tenant each
/// generation has at most one step waiting (it waits for the result before asking again), so FIFO there is
/// fair across that tenant's generations. Not thread-safe: the worker holds its lock around every call.
/// </summary>
sealed class FairLane
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

    /// <summary>The next tenant's oldest item; the tenant goes to the back of the line.</summary>
    public DeviceWork TakeLead() => TakeFrom(turn.First!.Value, _ => true)!;

    /// <summary>
    /// Steps that can share <paramref name="lead"/>'s forward pass, added to <paramref name="taken"/> until it holds
    /// <paramref name="maxBatch"/>, taken one per tenant per round in turn order. Served tenants go to the back.
    /// </summary>
    public void Fill(List<DeviceWork> taken, StepWork lead, int maxBatch)
    {
        bool tookAny = true;
        while (taken.Count < maxBatch && tookAny)
        {
            tookAny = false;
            foreach (var tenant in turn.ToList())
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
