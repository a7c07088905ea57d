namespace Ttm.Gateway.Tenants;

/// <summary>
/// Ttm:Tenants: what each tenant may use and how long its generations are kept. <see cref="Defaults"/> holds for every
/// tenant; <see cref="Overrides"/> (by tenant name) replaces any of its values for one tenant, e.g.
/// env <c>Ttm__Tenants__Overrides__acme__RetainHours=720</c>.
/// </summary>
public sealed class TenantPolicyOptions
{
    public const string Section = "Ttm:Tenants";

    public TenantPolicy Defaults { get; set; } = new() { RetainHours = 168 };

    public Dictionary<string, TenantPolicy> Overrides { get; set; } = [];

    /// <summary>The policy of one tenant: its override's values where it sets them, the defaults elsewhere.</summary>
    public TenantPolicy For(string tenant) => Overrides.TryGetValue(tenant, out var o) ? o.Over(Defaults) : Defaults;

    public string? Problem()
    {
        foreach (var (name, policy) in Overrides.Prepend(new("defaults", Defaults)))
            if (policy.Problem() is { } p) return $"{Section}:{(name == "defaults" ? "Defaults" : $"Overrides:{name}")}: {p}";
        return null;
    }
}

/// <summary>One tenant's limits (null in an override: the default's).</summary>
public sealed class TenantPolicy
{
    /// <summary>Hours a generation's artifacts, events and state are kept after it ends (0: kept until deleted; default a week).</summary>
    public double? RetainHours { get; set; }

    public TenantPolicy Over(TenantPolicy defaults) => new()
    {
        RetainHours = RetainHours ?? defaults.RetainHours,
    };

    public TimeSpan? RetainFor => RetainHours is double h && h > 0 ? TimeSpan.FromHours(h) : null;

    public string? Problem() =>
        RetainHours is { } h && (!double.IsFinite(h) || h < 0 || h > 24 * 3650) ? $"RetainHours must lie in 0..87600, not {h}." : null;
}
