namespace Ttm.Gateway.Ops;

/// <summary>Ttm:Ops: the operator account for the dashboard, OpsService and metrics (env Ttm__Ops__Password). No password: nobody gets in.</summary>
public sealed class OpsOptions
{
    public const string Section = "Ttm:Ops";

    public string User { get; set; } = "ops";
    public string? Password { get; set; }
}

/// <summary>Says which operator setting is wrong.</summary>
public sealed class OpsOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<OpsOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, OpsOptions options) => string.IsNullOrWhiteSpace(options.User)
        ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail($"{OpsOptions.Section}:User cannot be empty.")
        : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
}
