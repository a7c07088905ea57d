using System.Collections.Concurrent;
using Orleans.Runtime;
using Orleans.Storage;

namespace Ttm.Grains.Tests;

/// <summary>
/// Grain state every silo of an in-process test cluster shares and no silo's death takes away, as Redis is for a
/// real cluster (Orleans' memory storage keeps each state on one silo, and loses it with that silo).
/// </summary>
public sealed class SharedGrainStorage : IGrainStorage
{
    readonly ConcurrentDictionary<(string, GrainId), (object State, string ETag)> states = new();

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (states.TryGetValue((stateName, grainId), out var stored))
        {
            grainState.State = (T)stored.State;
            grainState.ETag = stored.ETag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var etag = Guid.NewGuid().ToString("N");
        states[(stateName, grainId)] = (grainState.State!, etag);
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        states.TryRemove((stateName, grainId), out _);
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
