namespace Ttm.Pipeline.Devices;

/// <summary>
/// Work waiting for one device in two priority classes, each a tenant-fair <see cref="FairLane"/>. A batch leads only
/// when no interactive work waits, except that every <see cref="BatchTurnEvery"/>-th lead goes to waiting batch work
/// so it is never starved; a batch's spare places are filled from the lead's class first, then from the other (batch
/// work rides along in forward passes interactive work does not fill, at no cost to it). Not thread-safe: the worker
/// holds its lock around every call.
/// </summary>
sealed class FairQueue
{
    /// <summary>One lead in this many goes to batch work while interactive work also waits.</summary>
    public const int BatchTurnEvery = 8;

    readonly FairLane interactive = new(), batch = new();
    int interactiveLeads;

    public int Count => interactive.Count + batch.Count;

    public IReadOnlyDictionary<string, int> CountByTenant() =>
        interactive.CountByTenant().Concat(batch.CountByTenant()).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));

    FairLane LaneOf(DeviceWork work) => work.Priority == WorkPriority.Batch ? batch : interactive;

    public void Add(DeviceWork work) => LaneOf(work).Add(work);

    public bool HasWorkFrom(string tenant) => interactive.HasWorkFrom(tenant) || batch.HasWorkFrom(tenant);

    public bool Remove(DeviceWork work) => LaneOf(work).Remove(work);

    /// <summary>The lead (by class, then tenant in turn) and, if it is a step, up to <paramref name="maxBatch"/> − 1 more that share its pass.</summary>
    public List<DeviceWork> TakeBatch(int maxBatch)
    {
        var taken = new List<DeviceWork>();
        if (Count == 0) return taken;
        bool batchTurn = batch.Count > 0 && (interactive.Count == 0 || interactiveLeads >= BatchTurnEvery - 1);
        var (first, second) = batchTurn ? (batch, interactive) : (interactive, batch);
        interactiveLeads = batchTurn ? 0 : interactiveLeads + 1;
        var lead = first.TakeLead();
        taken.Add(lead);
        if (lead is not StepWork step) return taken;
        first.Fill(taken, step, maxBatch);
        second.Fill(taken, step, maxBatch);
        return taken;
    }

    public List<DeviceWork> Drain() => [.. interactive.Drain(), .. batch.Drain()];
}
