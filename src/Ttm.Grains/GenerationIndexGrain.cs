using Orleans.Runtime;

namespace Ttm.Grains;

/// <summary>Remembers which generations a tenant started, newest first.</summary>
public sealed class GenerationIndexGrain(
    [PersistentState("index", "generations")] IPersistentState<List<string>> ids) : Grain, IGenerationIndexGrain
{
    public async Task AddAsync(string generationId)
    {
        if (ids.State.Contains(generationId)) return;
        ids.State.Insert(0, generationId);
        await ids.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> ListAsync(int limit) => Task.FromResult<IReadOnlyList<string>>(ids.State.Take(limit).ToList());
}
