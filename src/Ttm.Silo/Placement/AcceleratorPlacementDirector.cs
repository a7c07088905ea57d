using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Ttm.Silo.Placement;

/// <summary>
/// Chooses among the compatible silos that declare an accelerator: the calling silo when it is one (no hop),
/// else one at random. With none in the cluster the call fails with <see cref="NoAcceleratorException"/>, whose message
/// an operator can act on (the runner waits a while for one to join first).
/// </summary>
public sealed class AcceleratorPlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var candidates = context.GetCompatibleSilos(target).Where(IsAccelerator).ToArray();
        if (candidates.Length == 0)
            throw new NoAcceleratorException($"No silo in the cluster declares {SiloRole.RoleKey}={SiloRole.Accelerator}; start one with Ttm:Role=accelerator to run {target.GrainIdentity.Type}.");
        var chosen = candidates.Contains(context.LocalSilo) ? context.LocalSilo : candidates[Random.Shared.Next(candidates.Length)];
        return Task.FromResult(chosen);
    }

    bool IsAccelerator(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloRole.RoleKey, out var role) && role == SiloRole.Accelerator;
}
