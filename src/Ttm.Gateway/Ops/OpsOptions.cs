namespace Ttm.Gateway.Ops;

/// <summary>Ttm:Ops: the operator account for the dashboard, OpsService and metrics (env Ttm__Ops__Password). No password: nobody gets in.</summary>
public sealed class OpsOptions
{
    public const string Section = "Ttm:Ops";

    public string User { get; set; } = "ops";
    public string? Password { get; set; }
}
