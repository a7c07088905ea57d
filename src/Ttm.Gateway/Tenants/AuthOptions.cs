namespace Ttm.Gateway.Tenants;

/// <summary>
/// Ttm:Auth: how callers of GenerationService prove their tenant. API keys always (in Redis for a cluster, in
/// <see cref="KeyFile"/> for the embedded mode); JWT bearer tokens too when <see cref="Jwt"/> names an issuer.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Ttm:Auth";

    /// <summary>The embedded mode's key store (hashes only, mode 0600).</summary>
    public string KeyFile { get; set; } = Path.Combine("artifacts", "tenant-keys.json");

    /// <summary>The embedded mode's own key for tenant "default", made on the first <c>serve</c> (mode 0600); <c>./ttm generate --server</c> reads it.</summary>
    public string LocalKeyFile { get; set; } = Path.Combine("artifacts", "api-key");

    /// <summary>How long a gateway trusts what it last read of a key: a revoked key stops working everywhere within this.</summary>
    public double KeyCacheSeconds { get; set; } = 5;

    public JwtOptions Jwt { get; set; } = new();

    public sealed class JwtOptions
    {
        /// <summary>The issuer tokens must name (none: JWT bearer is off).</summary>
        public string? Issuer { get; set; }

        public string? Audience { get; set; }

        /// <summary>An HMAC-SHA256 signing key, base64 (at least 32 bytes); or <see cref="Authority"/> for the provider's published keys.</summary>
        public string? SigningKey { get; set; }

        /// <summary>An OpenID Connect authority whose discovery document gives the signing keys.</summary>
        public string? Authority { get; set; }

        /// <summary>The claim that names the tenant.</summary>
        public string TenantClaim { get; set; } = "tenant";

        public bool Enabled => !string.IsNullOrWhiteSpace(Issuer);
    }

    /// <summary>What is wrong with these settings, or null (<see cref="AuthOptionsValidator"/>).</summary>
    internal string? Problem()
    {
        if (KeyCacheSeconds is < 0 or > 300 || !double.IsFinite(KeyCacheSeconds)) return $"{Section}:KeyCacheSeconds must lie in 0..300, not {KeyCacheSeconds}.";
        if (!Jwt.Enabled) return null;
        if (string.IsNullOrWhiteSpace(Jwt.Audience)) return $"{Section}:Jwt:Audience is required with {Section}:Jwt:Issuer.";
        if (string.IsNullOrWhiteSpace(Jwt.TenantClaim)) return $"{Section}:Jwt:TenantClaim cannot be empty.";
        if (string.IsNullOrWhiteSpace(Jwt.Authority) == string.IsNullOrWhiteSpace(Jwt.SigningKey))
            return $"Set exactly one of {Section}:Jwt:SigningKey (HMAC, base64) and {Section}:Jwt:Authority (OpenID Connect).";
        if (Jwt.SigningKey is { } k)
        {
            try
            {
                if (Convert.FromBase64String(k).Length < 32) return $"{Section}:Jwt:SigningKey must be at least 32 bytes (256 bits).";
            }
            catch (FormatException)
            {
                return $"{Section}:Jwt:SigningKey is not base64.";
            }
        }
        return null;
    }
}

/// <summary>Says which authentication setting is wrong.</summary>
public sealed class AuthOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<AuthOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, AuthOptions options) => options.Problem() is { } problem
        ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problem)
        : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
}
