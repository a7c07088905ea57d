using Ttm.Grains;
using Contracts = Ttm.Contracts;

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

    /// <summary>
    /// Every tenant's limits unless configured: what a shared cluster of two GPUs can give each of a dozen tenants at once
    /// (two GPUs are 172,800 device-seconds a day; one tenant may take 2 of those hours, keep 8 generations in flight, store
    /// 2 GB in at most 10,000 generations). 0 in a setting means no limit, for an operator who says so.
    /// </summary>
    public TenantPolicy Defaults { get; set; } = new()
    {
        RetainHours = 168, MaxConcurrent = 8, MaxStepsPerRequest = 2 * GenerationLimits.MaxSteps, RequestsPerMinute = 120,
        DeviceSecondsPerDay = 7_200, MaxStoredMegabytes = 2_000, MaxKeptGenerations = 10_000, StepCache = GenerationLimits.StepCaches[0],
    };

    /// <summary>Calls per minute from one client address that carry no tenant credential (they are refused, but refusing costs too).</summary>
    public int AnonymousRequestsPerMinute { get; set; } = 60;

    public Dictionary<string, TenantPolicy> Overrides { get; set; } = [];

    /// <summary>Generations in flight in the whole cluster (every tenant) beyond which none is accepted: nothing is accepted that cannot be run (0: no bound).</summary>
    public int MaxInFlight { get; set; } = 256;

    /// <summary>The policy of one tenant: its override's values where it sets them, the defaults elsewhere.</summary>
    public TenantPolicy For(string tenant) => Overrides.TryGetValue(tenant, out var o) ? o.Over(Defaults) : Defaults;

    /// <summary>What is wrong with these settings, or null (<see cref="TenantPolicyOptionsValidator"/>).</summary>
    internal string? Problem()
    {
        if (MaxInFlight < 0) return $"{Section}:MaxInFlight cannot be negative ({MaxInFlight}).";
        if (AnonymousRequestsPerMinute is < 1 or > 1_000_000) return $"{Section}:AnonymousRequestsPerMinute must lie in 1..1000000, not {AnonymousRequestsPerMinute}.";
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

    /// <summary>Device-seconds per UTC day: segmentation, both denoising stages and encoding of every run, completed, failed or cancelled.</summary>
    public double? DeviceSecondsPerDay { get; set; }

    /// <summary>Megabytes of artifacts the tenant's kept generations may hold.</summary>
    public double? MaxStoredMegabytes { get; set; }

    /// <summary>Generations the tenant keeps (in flight, and ended until deleted or expired).</summary>
    public int? MaxKeptGenerations { get; set; }

    /// <summary>The step cache of the tenant's requests that name none: off (exact, the default), balanced or aggressive.</summary>
    public string? StepCache { get; set; }

    /// <summary><see cref="StepCache"/> as a spec carries it (the setting's text is checked at start: <see cref="Problem"/>).</summary>
    public Contracts.StepCache DefaultStepCache => Enum.Parse<Contracts.StepCache>(StepCache ?? GenerationLimits.StepCaches[0], ignoreCase: true);

    public TenantPolicy Over(TenantPolicy defaults) => new()
    {
        RetainHours = RetainHours ?? defaults.RetainHours,
        MaxConcurrent = MaxConcurrent ?? defaults.MaxConcurrent,
        MaxStepsPerRequest = MaxStepsPerRequest ?? defaults.MaxStepsPerRequest,
        RequestsPerMinute = RequestsPerMinute ?? defaults.RequestsPerMinute,
        DeviceSecondsPerDay = DeviceSecondsPerDay ?? defaults.DeviceSecondsPerDay,
        MaxStoredMegabytes = MaxStoredMegabytes ?? defaults.MaxStoredMegabytes,
        MaxKeptGenerations = MaxKeptGenerations ?? defaults.MaxKeptGenerations,
        StepCache = StepCache ?? defaults.StepCache,
    };

    public TimeSpan? RetainFor => RetainHours is double h && h > 0 ? TimeSpan.FromHours(h) : null;

    /// <summary>What the tenant's grain checks at admission.</summary>
    public TenantLimits Limits => new(MaxConcurrent ?? 0, DeviceSecondsPerDay ?? 0, (long)((MaxStoredMegabytes ?? 0) * 1_000_000), MaxKeptGenerations ?? 0);

    public string? Problem()
    {
        foreach (var (name, value, max) in new (string, double?, double)[]
                 {
                     ("RetainHours", RetainHours, 24 * 3650), ("MaxConcurrent", MaxConcurrent, 100_000), ("MaxStepsPerRequest", MaxStepsPerRequest, 1_000_000),
                     ("RequestsPerMinute", RequestsPerMinute, 1_000_000), ("DeviceSecondsPerDay", DeviceSecondsPerDay, 1e9), ("MaxStoredMegabytes", MaxStoredMegabytes, 1e9), ("MaxKeptGenerations", MaxKeptGenerations, 100_000_000),
                 })
            if (value is { } v && (!double.IsFinite(v) || v < 0 || v > max)) return $"{name} must lie in 0..{max} (0: no limit), not {v}.";
        if (StepCache is { } cache && !GenerationLimits.StepCaches.Contains(cache))
            return $"StepCache must be one of {string.Join(", ", GenerationLimits.StepCaches)}, not '{cache}'.";
        return null;
    }
}

/// <summary>Says which tenant limit is wrong.</summary>
public sealed class TenantPolicyOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<TenantPolicyOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, TenantPolicyOptions options) => options.Problem() is { } problem
        ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problem)
        : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
}
