namespace Ttm.Grains;

/// <summary>A tenant's generations, newest first (keyed by tenant), a page at a time.</summary>
public interface IGenerationIndexGrain : IGrainWithStringKey
{
    Task AddAsync(string generationId, DateTimeOffset createdAt);

    Task RemoveAsync(string generationId);

    /// <param name="pageToken">null for the newest; else the <see cref="GenerationPage.NextPageToken"/> of the page before</param>
    Task<GenerationPage> ListAsync(int limit, string? pageToken);
}

/// <summary>
/// One page of a tenant's generation ids, newest first; no <see cref="NextPageToken"/> after the last. <see cref="Tokens"/>
/// holds, for each id, the token of a page that starts after it (a caller that cuts the page short continues from there).
/// </summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-page.v1")]
public sealed record GenerationPage(
    [property: Id(0)] IReadOnlyList<string> Ids,
    [property: Id(1)] string? NextPageToken,
    [property: Id(2)] IReadOnlyList<string>? Tokens = null);
