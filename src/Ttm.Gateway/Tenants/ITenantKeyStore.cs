namespace Ttm.Gateway.Tenants;

/// <summary>Where the tenants' key hashes live: Redis for a cluster (<see cref="RedisTenantKeyStore"/>), a local file for the embedded mode (<see cref="FileTenantKeyStore"/>).</summary>
public interface ITenantKeyStore
{
    Task<TenantKey?> FindAsync(string hash, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<TenantKey>> ListAsync(CancellationToken cancellationToken = default);

    Task AddAsync(TenantKey key, CancellationToken cancellationToken = default);

    /// <summary>Marks the keys that match as revoked (kept, so that lists show when), and returns them.</summary>
    Task<IReadOnlyList<TenantKey>> RevokeAsync(Func<TenantKey, bool> which, DateTimeOffset at, CancellationToken cancellationToken = default);
}
