namespace Ttm.Grains;

/// <summary>
/// One tenant's admission authority, the same for every gateway and silo (one activation per tenant): what it has in
/// flight, what its generations cost the devices today, and what they store. Gateways ask it before a generation is
/// accepted; generation grains tell it when one ends or is deleted.
/// </summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>
    /// Admits <paramref name="generationId"/> under <paramref name="limits"/> by reserving one of its slots (before anything of the
    /// request is stored), or says which limit refuses it and when to retry. Admitting an id that holds a slot already is a retry.
    /// </summary>
    Task<Admission> AdmitAsync(string generationId, TenantLimits limits);

    /// <summary>The admitted request never started (refused after admission, its caller left, a store failed): its slot frees.</summary>
    Task ReleaseAsync(string generationId);

    /// <summary>Device-seconds the generation used (segmentation, denoising, encoding), whether it completed, failed or was cancelled.</summary>
    Task ChargeAsync(string generationId, double deviceSeconds);

    /// <summary>The generation ended: its slot frees and its artifacts count to what the tenant stores.</summary>
    Task EndedAsync(string generationId, long storedBytes);

    /// <summary>The generation was deleted (or expired): its slot, if it still held one, frees, and what it stored no longer counts.</summary>
    Task ForgetAsync(string generationId);

    Task<TenantUsage> GetUsageAsync();
}

/// <summary>A tenant's limits, as the gateway's configuration gives them (0: no limit).</summary>
[GenerateSerializer, Immutable, Alias("ttm.tenant-limits.v1")]
public sealed record TenantLimits(
    [property: Id(0)] int MaxConcurrent,
    [property: Id(1)] double DeviceSecondsPerDay,
    [property: Id(2)] long MaxStoredBytes,
    [property: Id(3)] int MaxKeptGenerations = 0);

/// <summary>Admitted, or refused by <see cref="Limit"/> with a message a person can act on and when a retry can succeed.</summary>
[GenerateSerializer, Immutable, Alias("ttm.admission.v1")]
public sealed record Admission(
    [property: Id(0)] bool Admitted,
    [property: Id(1)] string? Limit = null,
    [property: Id(2)] string? Message = null,
    [property: Id(3)] TimeSpan? RetryAfter = null)
{
    public static readonly Admission Yes = new(true);
}

/// <summary>What a tenant uses now and today (UTC).</summary>
[GenerateSerializer, Immutable, Alias("ttm.tenant-usage.v1")]
public sealed record TenantUsage(
    [property: Id(0)] string Tenant,
    [property: Id(1)] int InFlight,
    [property: Id(2)] long Generations,
    [property: Id(3)] double DeviceSecondsToday,
    [property: Id(4)] long StoredBytes,
    [property: Id(5)] int StoredGenerations);
