namespace Ttm.Grains;

/// <summary>A tenant's generations, newest first (keyed by tenant).</summary>
public interface IGenerationIndexGrain : IGrainWithStringKey
{
    Task AddAsync(string generationId);
    Task<IReadOnlyList<string>> ListAsync(int limit);
}
