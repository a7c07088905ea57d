using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Ttm.Gateway.Tenants;

/// <summary>
/// A gateway's view of the key store: what it read of a key (also that there is none) is trusted for
/// <see cref="AuthOptions.KeyCacheSeconds"/>, so a revocation reaches every gateway within that and a flood of made-up keys
/// costs the store one read per key per interval. The cache is bounded.
/// </summary>
public sealed class TenantKeyResolver(ITenantKeyStore store, IOptions<AuthOptions> options) : IDisposable
{
    readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public async Task<TenantKey?> ResolveAsync(string key, CancellationToken cancellationToken)
    {
        var hash = ApiKey.Hash(key);
        if (cache.TryGetValue(hash, out TenantKey? known)) return known;
        var found = await store.FindAsync(hash, cancellationToken);
        cache.Set(hash, found, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(options.Value.KeyCacheSeconds), Size = 1 });
        return found;
    }

    public void Dispose() => cache.Dispose();
}
