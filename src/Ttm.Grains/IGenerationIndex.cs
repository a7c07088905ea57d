namespace Ttm.Grains;

/// <summary>
/// Where each tenant's generations are listed, newest first: an insert costs the same whatever the list's length
/// (a Redis sorted set per tenant in a cluster, memory in the embedded default), and pages are read by position.
/// </summary>
public interface IGenerationIndex
{
    Task AddAsync(string tenant, string generationId, DateTimeOffset createdAt);

    Task RemoveAsync(string tenant, string generationId);

    /// <param name="before">the page starts after this entry (null: at the newest)</param>
    Task<IReadOnlyList<IndexEntry>> PageAsync(string tenant, int limit, IndexEntry? before);
}

/// <summary>A listed generation: when it was created (ticks, the order) and its id.</summary>
public sealed record IndexEntry(long CreatedTicks, string GenerationId)
{
    public string Token => $"{CreatedTicks}:{GenerationId}";

    public static IndexEntry? Parse(string? token)
    {
        if (string.IsNullOrEmpty(token)) return null;
        var parts = token.Split(':', 2);
        return parts.Length == 2 && long.TryParse(parts[0], out var ticks) ? new IndexEntry(ticks, parts[1])
            : throw new ArgumentException($"'{(token.Length > 64 ? token[..64] + "…" : token)}' is not a page token from a List response.", nameof(token));
    }
}
