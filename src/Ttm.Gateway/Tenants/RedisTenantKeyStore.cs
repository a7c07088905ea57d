using System.Text.Json;
using StackExchange.Redis;

namespace Ttm.Gateway.Tenants;

/// <summary>
/// The cluster's keys: one Redis hash per service (<c>ttm:{serviceId}:tenant-keys</c>), field = the key's SHA-256, value = the
/// record as JSON. Every gateway reads it (one HGET per key it has not seen lately), <c>./ttm tenants</c> writes it.
/// </summary>
public sealed class RedisTenantKeyStore(IConnectionMultiplexer redis, string serviceId) : ITenantKeyStore
{
    readonly RedisKey key = $"ttm:{serviceId}:tenant-keys";

    IDatabase Database => redis.GetDatabase();

    public async Task<TenantKey?> FindAsync(string hash, CancellationToken cancellationToken = default) =>
        await Database.HashGetAsync(key, hash) is { HasValue: true } value ? JsonSerializer.Deserialize<TenantKey>(value.ToString()) : null;

    public async Task<IReadOnlyList<TenantKey>> ListAsync(CancellationToken cancellationToken = default) =>
        (await Database.HashGetAllAsync(key)).Select(e => JsonSerializer.Deserialize<TenantKey>(e.Value.ToString())!).OrderBy(k => k.CreatedAt).ToList();

    public Task AddAsync(TenantKey record, CancellationToken cancellationToken = default) =>
        Database.HashSetAsync(key, record.Hash, JsonSerializer.Serialize(record), When.NotExists);

    public async Task<IReadOnlyList<TenantKey>> RevokeAsync(Func<TenantKey, bool> which, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var revoked = (await ListAsync(cancellationToken)).Where(which).Select(k => k with { RevokedAt = at }).ToList();
        foreach (var k in revoked) await Database.HashSetAsync(key, k.Hash, JsonSerializer.Serialize(k));
        return revoked;
    }
}
