using StackExchange.Redis;
using Ttm.Grains;

namespace Ttm.Grains.Storage;

/// <summary>
/// Each tenant's generations as a Redis sorted set, "ttm:{service}:tenant:{tenant}", scored by creation time:
/// ZADD is O(log n) whatever the list's length; a page is ZRANGE … REV BYSCORE LIMIT from the page token's score.
/// Both writes are idempotent (ZADD NX, ZREM), so one that fails while Sentinel replaces the primary is simply tried again.
/// </summary>
public sealed class RedisGenerationIndex(IConnectionMultiplexer redis, string serviceId) : IGenerationIndex
{
    RedisKey Key(string tenant) => $"ttm:{serviceId}:tenant:{tenant}";

    public Task AddAsync(string tenant, string generationId, DateTimeOffset createdAt) =>
        RedisFailover.RetryAsync(() => redis.GetDatabase().SortedSetAddAsync(Key(tenant), generationId, createdAt.UtcTicks, When.NotExists));

    public Task RemoveAsync(string tenant, string generationId) =>
        RedisFailover.RetryAsync(() => redis.GetDatabase().SortedSetRemoveAsync(Key(tenant), generationId));

    public async Task<IReadOnlyList<IndexEntry>> PageAsync(string tenant, int limit, IndexEntry? before)
    {
        var entries = await redis.GetDatabase().SortedSetRangeByScoreWithScoresAsync(Key(tenant),
            start: before?.CreatedTicks ?? double.PositiveInfinity, stop: double.NegativeInfinity,
            exclude: before is null ? Exclude.None : Exclude.Start, order: Order.Descending, take: limit);
        return entries.Select(e => new IndexEntry((long)e.Score, e.Element!)).ToList();
    }
}
