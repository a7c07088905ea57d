using Orleans.Concurrency;

namespace Ttm.Grains;

/// <summary>A tenant's generations, newest first, over the <see cref="IGenerationIndex"/>; it keeps nothing itself, so any silo can answer.</summary>
[StatelessWorker]
public sealed class GenerationIndexGrain(IGenerationIndex index) : Grain, IGenerationIndexGrain
{
    string Tenant => this.GetPrimaryKeyString();

    public Task AddAsync(string generationId, DateTimeOffset createdAt) => index.AddAsync(Tenant, generationId, createdAt);

    public Task RemoveAsync(string generationId) => index.RemoveAsync(Tenant, generationId);

    public async Task<GenerationPage> ListAsync(int limit, string? pageToken)
    {
        var page = await index.PageAsync(Tenant, limit + 1, IndexEntry.Parse(pageToken)); // one more says whether a next page exists
        var listed = page.Take(limit).ToList();
        return new GenerationPage(listed.Select(e => e.GenerationId).ToList(), page.Count > limit ? page[limit - 1].Token : null,
            listed.Select(e => e.Token).ToList());
    }
}
