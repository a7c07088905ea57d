namespace Ttm.Client;

/// <summary>Where the gateway is, as which tenant, and how hard to try when the network or a gateway fails.</summary>
public sealed record TtmClientOptions
{
    /// <summary>The gateway's gRPC address, e.g. http://127.0.0.1:5080 (h2c) or https://ttm.example.com.</summary>
    public required string Address { get; init; }

    /// <summary>The tenant's API key (<c>ttm_…</c>) or a JWT; sent as <c>authorization: Bearer</c> on every call.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Retries of one call, or of one step of a stream, after UNAVAILABLE or a broken connection (0: none).</summary>
    public int MaxRetries { get; init; } = 8;

    /// <summary>The first retry's delay; each next one doubles, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);
}
