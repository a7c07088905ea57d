using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Ttm.Silo.Placement;

/// <summary>
/// Chooses among the compatible silos that declare an accelerator: the one the caller chose by queued work (its
/// <see cref="IAcceleratorQueueGrain"/>'s answer, sent as Orleans' placement hint, <see cref="IPlacementDirector.PlacementHintKey"/>)
/// when it is still one of them; else the calling silo when it is one (no hop), else one at random. With none in the
/// cluster the call fails with <see cref="NoAcceleratorException"/>, whose message an operator can act on (the runner
/// waits a while for one to join first).
/// </summary>
/// <remarks>
/// The choice is made before the call, by a grain, not here: a director runs on whichever silo places and sees only
/// that silo's view, while the queue grain sees every placement in the cluster; and a director that awaited a grain
/// would hold up message addressing behind it.
/// </remarks>
public sealed class AcceleratorPlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var candidates = context.GetCompatibleSilos(target).Where(s => IsAccelerator(metadata, s)).ToArray();
        if (candidates.Length == 0)
            throw new NoAcceleratorException($"No silo in the cluster declares {SiloRole.RoleKey}={SiloRole.Accelerator}; start one with Ttm:Role=accelerator to run {target.GrainIdentity.Type}.");
        var silo = IPlacementDirector.GetPlacementHint(target.RequestContextData, candidates)
            ?? (candidates.Contains(context.LocalSilo) ? context.LocalSilo
            : candidates[Random.Shared.Next(candidates.Length)]);
        return Task.FromResult(silo);
    }

    public static bool IsAccelerator(ISiloMetadataCache metadata, SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloRole.RoleKey, out var role) && role == SiloRole.Accelerator;
}
