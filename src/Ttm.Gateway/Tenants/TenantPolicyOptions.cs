using Ttm.Grains;

namespace Ttm.Gateway.Tenants;

/// <summary>
/// Ttm:Tenants: what each tenant may use and how long its generations are kept. <see cref="Defaults"/> holds for every
/// tenant; <see cref="Overrides"/> (by tenant name) replaces any of its values for one tenant, e.g.
/// env <c>Ttm__Tenants__Overrides__acme__MaxConcurrent=16</c>. <see cref="MaxInFlight"/> bounds the whole cluster.
/// Every gateway reads the same settings (one ConfigMap); the tenant's grain holds the counts they are checked against.
/// </summary>
public sealed class TenantPolicyOptions
{
    public const string Section = "Ttm:Tenants";

    public TenantPolicy Defaults { get; set; } = new()
    {
        RetainHours = 168, MaxConcurrent = 8, MaxStepsPerRequest = 2 * GenerationLimits.MaxSteps, RequestsPerMinute = 120,
        DeviceSecondsPerDay = 0, MaxStoredMegabytes = 0, StepCache = GenerationLimits.StepCaches[0],
    };

    public Dictionary<string, TenantPolicy> Overrides { get; set; } = [];

    /// <summary>Generations in flight in the whole cluster (every tenant) beyond which none is accepted: nothing is accepted that cannot be run (0: no bound).</summary>
    public int MaxInFlight { get; set; } = 256;

    /// <summary>The policy of one tenant: its override's values where it sets them, the defaults elsewhere.</summary>
    public TenantPolicy For(string tenant) => Overrides.TryGetValue(tenant, out var o) ? o.Over(Defaults) : Defaults;

    public string? Problem()
    {
        if (MaxInFlight < 0) return $"{Section}:MaxInFlight cannot be negative ({MaxInFlight}).";
        foreach (var (name, policy) in Overrides.Prepend(new("defaults", Defaults)))
            if (policy.Problem() is { } p) return $"{Section}:{(name == "defaults" ? "Defaults" : $"Overrides:{name}")}: {p}";
        return null;
    }
}

/// <summary>One tenant's limits (null in an override: the default's; 0: no limit).</summary>
public sealed class TenantPolicy
{
    /// <summary>Hours a generation's artifacts, events and state are kept after it ends (0: kept until deleted; default a week).</summary>
    public double? RetainHours { get; set; }

    /// <summary>Generations of the tenant in flight at once (accepted, not ended).</summary>
    public int? MaxConcurrent { get; set; }

    /// <summary>motion_steps + video_steps of one request (the frames are the model's, 8 for the shipped one, so steps are what a request chooses).</summary>
    public int? MaxStepsPerRequest { get; set; }

    /// <summary>GenerationService calls per minute, per gateway (ASP.NET Core rate limiting keyed by the authenticated tenant).</summary>
    public int? RequestsPerMinute { get; set; }

    /// <summary>Seconds of segmentation and both denoising stages per UTC day, summed over ended generations.</summary>
    public double? DeviceSecondsPerDay { get; set; }

    /// <summary>Megabytes of artifacts the tenant's kept generations may hold.</summary>
    public double? MaxStoredMegabytes { get; set; }

    /// <summary>The step cache of the tenant's requests that name none: off (exact, the default), balanced or aggressive.</summary>
    public string? StepCache { get; set; }

    public TenantPolicy Over(TenantPolicy defaults) => new()
    {
        RetainHours = RetainHours ?? defaults.RetainHours,
        MaxConcurrent = MaxConcurrent ?? defaults.MaxConcurrent,
        MaxStepsPerRequest = MaxStepsPerRequest ?? defaults.MaxStepsPerRequest,
        RequestsPerMinute = RequestsPerMinute ?? defaults.RequestsPerMinute,
        DeviceSecondsPerDay = DeviceSecondsPerDay ?? defaults.DeviceSecondsPerDay,
        MaxStoredMegabytes = MaxStoredMegabytes ?? defaults.MaxStoredMegabytes,
        StepCache = StepCache ?? defaults.StepCache,
    };

    public TimeSpan? RetainFor => RetainHours is double h && h > 0 ? TimeSpan.FromHours(h) : null;

    /// <summary>What the tenant's grain checks at admission.</summary>
    public TenantLimits Limits => new(MaxConcurrent ?? 0, DeviceSecondsPerDay ?? 0, (long)((MaxStoredMegabytes ?? 0) * 1_000_000));

    public string? Problem()
    {
        foreach (var (name, value, max) in new (string, double?, double)[]
                 {
                     ("RetainHours", RetainHours, 24 * 3650), ("MaxConcurrent", MaxConcurrent, 100_000), ("MaxStepsPerRequest", MaxStepsPerRequest, 1_000_000),
                     ("RequestsPerMinute", RequestsPerMinute, 1_000_000), ("DeviceSecondsPerDay", DeviceSecondsPerDay, 1e9), ("MaxStoredMegabytes", MaxStoredMegabytes, 1e9),
                 })
            if (value is { } v && (!double.IsFinite(v) || v < 0 || v > max)) return $"{name} must lie in 0..{max} (0: no limit), not {v}.";
        if (StepCache is { } cache && !GenerationLimits.StepCaches.Contains(cache))
            return $"StepCache must be one of {string.Join(", ", GenerationLimits.StepCaches)}, not '{cache}'.";
        return null;
    }
}
