namespace Ttm.Grains.Storage;

/// <summary>The embedded mode's tenant lists in <see cref="EmbeddedState"/>: newest first by (created, id), as the memory and Redis lists.</summary>
public sealed class SqliteGenerationIndex(EmbeddedState state) : IGenerationIndex
{
    public Task AddAsync(string tenant, string generationId, DateTimeOffset createdAt)
    {
        using var connection = state.Open();
        using var insert = EmbeddedState.Command(connection,
            "INSERT OR IGNORE INTO tenant_generations (tenant, generation_id, created_ticks) VALUES ($tenant, $id, $ticks)",
            ("$tenant", tenant), ("$id", generationId), ("$ticks", createdAt.UtcTicks));
        insert.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string tenant, string generationId)
    {
        using var connection = state.Open();
        using var delete = EmbeddedState.Command(connection, "DELETE FROM tenant_generations WHERE tenant = $tenant AND generation_id = $id",
            ("$tenant", tenant), ("$id", generationId));
        delete.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<IndexEntry>> PageAsync(string tenant, int limit, IndexEntry? before)
    {
        using var connection = state.Open();
        using var page = EmbeddedState.Command(connection, """
            SELECT created_ticks, generation_id FROM tenant_generations
            WHERE tenant = $tenant AND ($before IS NULL OR created_ticks < $before OR (created_ticks = $before AND generation_id < $beforeId))
            ORDER BY created_ticks DESC, generation_id DESC LIMIT $limit
            """, ("$tenant", tenant), ("$before", before?.CreatedTicks), ("$beforeId", before?.GenerationId), ("$limit", limit));
        using var rows = page.ExecuteReader();
        var entries = new List<IndexEntry>();
        while (rows.Read()) entries.Add(new IndexEntry(rows.GetInt64(0), rows.GetString(1)));
        return Task.FromResult<IReadOnlyList<IndexEntry>>(entries);
    }
}
