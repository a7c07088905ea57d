namespace Ttm.Pipeline.Devices;

/// <summary>
/// Work waiting for one device in two priority classes, each a tenant-fair <see cref="FairLane"/> over one ledger of
/// the tenants' device time (<see cref="DeviceShares"/>, charged by the worker after each pass). A batch leads only
/// when no interactive work waits, except that every <see cref="BatchTurnEvery"/>-th lead goes to waiting batch work
/// so it is never starved; a batch's spare places are filled from the lead's class first, then from the other (batch
/// work rides along in forward passes interactive work does not fill, at no cost to it). Not thread-safe: the worker
/// holds its lock around every call.
/// </summary>
sealed class FairQueue
{
    /// <summary>One lead in this many goes to batch work while interactive work also waits.</summary>
    public const int BatchTurnEvery = 8;

    readonly DeviceShares shares;
    readonly FairLane interactive, batch;
    int interactiveLeads;

    public FairQueue(TimeSpan credit)
    {
        shares = new DeviceShares(credit);
        interactive = new FairLane(shares);
        batch = new FairLane(shares);
    }

    public int Count => interactive.Count + batch.Count;

    public IReadOnlyDictionary<string, int> CountByTenant() =>
        interactive.CountByTenant().Concat(batch.CountByTenant()).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));

    FairLane LaneOf(DeviceWork work) => work.Priority == WorkPriority.Batch ? batch : interactive;

    public void Add(DeviceWork work)
    {
        if (!HasWorkFrom(work.Tenant)) shares.Arrive(work.Tenant);
        LaneOf(work).Add(work);
    }

    /// <summary>Charges a pass's seconds to the tenants of its work, shared equally by item.</summary>
    public void Charge(IReadOnlyList<DeviceWork> pass, double seconds)
    {
        foreach (var work in pass) shares.Charge(work.Tenant, seconds / pass.Count);
    }

    public bool HasWorkFrom(string tenant) => interactive.HasWorkFrom(tenant) || batch.HasWorkFrom(tenant);

    public bool Remove(DeviceWork work) => LaneOf(work).Remove(work);

    /// <summary>Whether the next lead comes from the batch lane: no interactive work waits, or it is batch work's one turn in <see cref="BatchTurnEvery"/>.</summary>
    bool BatchTurn => batch.Count > 0 && (interactive.Count == 0 || interactiveLeads >= BatchTurnEvery - 1);

    /// <summary>
    /// Whether the next lead would be a job (segmentation: a second or more on the device) of a tenant that has had more
    /// device time than one of <paramref name="tenants"/>: had their next step been asked for, it would lead instead.
    /// </summary>
    public bool NextLeadIsAJobBehind(IEnumerable<string> tenants)
    {
        if ((BatchTurn ? batch : interactive).PeekLead() is not { } lead || lead is not IJobWork) return false;
        double jobTenant = shares.Of(lead.Tenant);
        return tenants.Any(t => t != lead.Tenant && shares.Of(t) < jobTenant);
    }

    /// <summary>
    /// The lead (by class, then the tenant with the least device time) and, if it is a step, up to
    /// <paramref name="maxBatch"/> − 1 more that share its pass, from tenants at most <paramref name="partnerWindow"/>
    /// device-seconds ahead of the lead's.
    /// </summary>
    public List<DeviceWork> TakeBatch(int maxBatch, double partnerWindow)
    {
        var taken = new List<DeviceWork>();
        if (Count == 0) return taken;
        shares.Advance(interactive.Tenants.Concat(batch.Tenants));
        bool batchTurn = BatchTurn;
        var (first, second) = batchTurn ? (batch, interactive) : (interactive, batch);
        interactiveLeads = batchTurn ? 0 : interactiveLeads + 1;
        var lead = first.TakeLead();
        taken.Add(lead);
        if (lead is not StepWork step) return taken;
        first.Fill(taken, step, maxBatch, partnerWindow);
        second.Fill(taken, step, maxBatch, partnerWindow);
        return taken;
    }

    public List<DeviceWork> Drain() => [.. interactive.Drain(), .. batch.Drain()];
}
