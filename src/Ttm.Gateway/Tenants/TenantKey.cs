namespace Ttm.Gateway.Tenants;

/// <summary>What the cluster keeps of one API key: never the key itself, only its hash.</summary>
/// <param name="Hash">SHA-256 of the key, lower-case hex (<see cref="ApiKey.Hash"/>)</param>
public sealed record TenantKey(string KeyId, string Tenant, string Hash, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt = null)
{
    public bool Revoked => RevokedAt is not null;
}
