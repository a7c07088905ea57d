using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Ttm.Silo.Placement;

/// <summary>
/// Holds the cluster's <see cref="AcceleratorQueues"/> over the accelerator silos active now (membership and their metadata).
/// Its entries are estimates kept in memory: if its silo goes, its next activation starts empty and learns again from the
/// generations placed after (those already running finish as placed). One turn at a time, so the queues are read and
/// written in order; a turn does no I/O.
/// </summary>
public sealed class AcceleratorQueueGrain(IClusterMembershipService membership, ISiloMetadataCache metadata) : Grain, IAcceleratorQueueGrain
{
    readonly AcceleratorQueues queues = new();

    public Task<SiloAddress?> ChooseAsync(string generationId, double seconds, SiloAddress caller)
    {
        var accelerators = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && AcceleratorPlacementDirector.IsAccelerator(metadata, m.SiloAddress))
            .Select(m => m.SiloAddress)
            .OrderBy(s => s.Equals(caller) ? 0 : 1).ThenBy(s => s.ToString(), StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(accelerators.Count == 0 ? null : queues.Choose(generationId, seconds, accelerators));
    }

    public Task FinishAsync(string generationId)
    {
        queues.Finish(generationId);
        return Task.CompletedTask;
    }
}
