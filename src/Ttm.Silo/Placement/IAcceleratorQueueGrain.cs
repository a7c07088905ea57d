using Orleans.Runtime;

namespace Ttm.Silo.Placement;

/// <summary>
/// The cluster's one <see cref="AcceleratorQueues"/> (key 0): the silo running a generation asks it where the generation's
/// device stages go before calling them, and tells it when they end. Only silos call it, so it lives beside the silos' placement.
/// </summary>
public interface IAcceleratorQueueGrain : IGrainWithIntegerKey
{
    /// <param name="seconds">the generation's device seconds (<see cref="Models.Simulation.DeviceCostModel.GenerationSeconds"/>)</param>
    /// <param name="caller">the asking silo, preferred on a tie (no hop)</param>
    /// <returns>the accelerator silo chosen, or null when the cluster has none now</returns>
    Task<SiloAddress?> ChooseAsync(string generationId, double seconds, SiloAddress caller);

    Task FinishAsync(string generationId);
}
