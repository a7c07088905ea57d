namespace Ttm.Grains;

/// <summary>The embedded default's tenant lists: in this process's memory.</summary>
public sealed class MemoryGenerationIndex : IGenerationIndex
{
    readonly Dictionary<string, SortedSet<IndexEntry>> tenants = [];
    static readonly Comparer<IndexEntry> NewestFirst = Comparer<IndexEntry>.Create((a, b) =>
        b.CreatedTicks != a.CreatedTicks ? b.CreatedTicks.CompareTo(a.CreatedTicks) : string.CompareOrdinal(b.GenerationId, a.GenerationId));

    public Task AddAsync(string tenant, string generationId, DateTimeOffset createdAt)
    {
        lock (tenants)
        {
            if (!tenants.TryGetValue(tenant, out var entries)) tenants[tenant] = entries = new SortedSet<IndexEntry>(NewestFirst);
            if (!entries.Any(e => e.GenerationId == generationId)) entries.Add(new IndexEntry(createdAt.UtcTicks, generationId));
        }
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string tenant, string generationId)
    {
        lock (tenants)
            if (tenants.TryGetValue(tenant, out var entries)) entries.RemoveWhere(e => e.GenerationId == generationId);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<IndexEntry>> PageAsync(string tenant, int limit, IndexEntry? before)
    {
        lock (tenants)
        {
            if (!tenants.TryGetValue(tenant, out var entries)) return Task.FromResult<IReadOnlyList<IndexEntry>>([]);
            var page = (before is null ? entries : entries.Where(e => NewestFirst.Compare(e, before) > 0)).Take(limit).ToList();
            return Task.FromResult<IReadOnlyList<IndexEntry>>(page);
        }
    }
}
