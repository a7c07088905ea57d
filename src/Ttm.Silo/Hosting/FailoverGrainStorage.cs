using Orleans.Storage;
using Ttm.Grains.Storage;

namespace Ttm.Silo.Hosting;

/// <summary>
/// Orleans' Redis grain storage, with a read or write that fails while Sentinel replaces the primary tried again on the
/// next one (<see cref="RedisFailover.RetryAsync"/>) instead of failing the grain call, and so the generation.
/// A write whose first try landed but whose answer was lost meets its own new ETag on the retry and fails as Orleans'
/// inconsistent-state error: the rare case this does not hide.
/// </summary>
public sealed class FailoverGrainStorage(IGrainStorage redis) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RedisFailover.RetryAsync(() => redis.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RedisFailover.RetryAsync(() => redis.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RedisFailover.RetryAsync(() => redis.ClearStateAsync(stateName, grainId, grainState));

    /// <summary>The Redis storage connects in the silo's lifecycle: it takes part through this wrapper, which Orleans resolves in its place.</summary>
    public void Participate(ISiloLifecycle lifecycle) => (redis as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}
