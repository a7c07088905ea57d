namespace Ttm.Gateway.Tenants;

/// <summary>The operations on tenants' keys (<c>./ttm tenants create|list|revoke|rotate</c>, the embedded mode's first key) over a <see cref="ITenantKeyStore"/>.</summary>
public sealed class TenantKeys(ITenantKeyStore store, TimeProvider clock)
{
    /// <summary>A new key for <paramref name="tenant"/>: the record kept, and the key itself, to be shown once.</summary>
    public async Task<(TenantKey Record, string Key)> CreateAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var (keyId, key) = ApiKey.New();
        var record = new TenantKey(keyId, TenantNames.Require(tenant), ApiKey.Hash(key), clock.GetUtcNow());
        await store.AddAsync(record, cancellationToken);
        return (record, key);
    }

    /// <summary>Revokes the key with this id, or every key of the tenant of this name.</summary>
    public Task<IReadOnlyList<TenantKey>> RevokeAsync(string keyIdOrTenant, CancellationToken cancellationToken = default) =>
        store.RevokeAsync(k => !k.Revoked && (k.KeyId == keyIdOrTenant || k.Tenant == keyIdOrTenant), clock.GetUtcNow(), cancellationToken);

    /// <summary>A new key for the tenant, then every older key of it revoked.</summary>
    public async Task<(TenantKey Record, string Key, IReadOnlyList<TenantKey> Revoked)> RotateAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var (record, key) = await CreateAsync(tenant, cancellationToken);
        var revoked = await store.RevokeAsync(k => !k.Revoked && k.Tenant == tenant && k.KeyId != record.KeyId, clock.GetUtcNow(), cancellationToken);
        return (record, key, revoked);
    }

    public Task<IReadOnlyList<TenantKey>> ListAsync(CancellationToken cancellationToken = default) => store.ListAsync(cancellationToken);

    /// <summary>
    /// The embedded mode's key: read from <paramref name="file"/>, or made for tenant "default" and written there (mode 0600)
    /// on the first start. A key in the file whose hash the store does not know (the store was removed) is known again;
    /// one the store has revoked stays revoked.
    /// </summary>
    public async Task<string> EnsureLocalKeyAsync(string file, CancellationToken cancellationToken = default)
    {
        if (File.Exists(file))
        {
            var existing = (await File.ReadAllTextAsync(file, cancellationToken)).Trim();
            if (await store.FindAsync(ApiKey.Hash(existing), cancellationToken) is null)
                await store.AddAsync(new TenantKey(existing.Split('_')[1], "default", ApiKey.Hash(existing), clock.GetUtcNow()), cancellationToken);
            return existing;
        }
        var (_, key) = await CreateAsync("default", cancellationToken);
        await WriteKeyFileAsync(file, key, cancellationToken);
        return key;
    }

    /// <summary>Writes a key to a new file only its owner can read (mode 0600 from its creation).</summary>
    public static async Task WriteKeyFileAsync(string file, string key, CancellationToken cancellationToken = default)
    {
        await using var writer = new StreamWriter(CreateOwnerOnly(file));
        await writer.WriteLineAsync(key.AsMemory(), cancellationToken);
    }

    /// <summary>A new file (its folder made if needed) that only its owner can read and write, from the moment it exists.</summary>
    public static FileStream CreateOwnerOnly(string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(file, options);
    }
}
