using System.Text.Json;

namespace Ttm.Gateway.Tenants;

/// <summary>
/// The embedded mode's keys: a JSON file of <see cref="TenantKey"/> records (hashes only), mode 0600, rewritten whole through
/// a temp file and a rename. It is read again whenever it changed, so <c>./ttm tenants revoke</c> in another process
/// reaches a running server.
/// </summary>
public sealed class FileTenantKeyStore(string file) : ITenantKeyStore
{
    readonly SemaphoreSlim gate = new(1, 1);
    List<TenantKey> keys = [];
    DateTime readAt = DateTime.MinValue;

    public string File => file;

    public async Task<TenantKey?> FindAsync(string hash, CancellationToken cancellationToken = default) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(k => k.Hash == hash);

    public async Task<IReadOnlyList<TenantKey>> ListAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await ReadAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    public Task AddAsync(TenantKey key, CancellationToken cancellationToken = default) => ChangeAsync(all =>
    {
        if (all.Any(k => k.Hash == key.Hash)) return [];
        all.Add(key);
        return [key];
    }, cancellationToken);

    public Task<IReadOnlyList<TenantKey>> RevokeAsync(Func<TenantKey, bool> which, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        ChangeAsync(all =>
        {
            var revoked = new List<TenantKey>();
            for (int i = 0; i < all.Count; i++)
                if (which(all[i])) revoked.Add(all[i] = all[i] with { RevokedAt = at });
            return revoked;
        }, cancellationToken);

    async Task<IReadOnlyList<TenantKey>> ChangeAsync(Func<List<TenantKey>, IReadOnlyList<TenantKey>> change, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var all = (await ReadAsync(cancellationToken)).ToList();
            var changed = change(all);
            if (changed.Count == 0) return changed;
            var temp = $"{file}.{Guid.NewGuid():N}.tmp";
            await using (var stream = TenantKeys.CreateOwnerOnly(temp))
                await JsonSerializer.SerializeAsync(stream, all, cancellationToken: cancellationToken);
            System.IO.File.Move(temp, file, overwrite: true);
            (keys, readAt) = (all, DateTime.MinValue);
            return changed;
        }
        finally
        {
            gate.Release();
        }
    }

    async Task<List<TenantKey>> ReadAsync(CancellationToken cancellationToken)
    {
        if (!System.IO.File.Exists(file)) return keys = [];
        var written = System.IO.File.GetLastWriteTimeUtc(file);
        if (written == readAt) return keys;
        await using var stream = System.IO.File.OpenRead(file);
        keys = await JsonSerializer.DeserializeAsync<List<TenantKey>>(stream, cancellationToken: cancellationToken) ?? [];
        readAt = written;
        return keys;
    }
}
