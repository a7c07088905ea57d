using System.Text.RegularExpressions;

namespace Ttm.Gateway.Tenants;

/// <summary>A tenant's name: 1-63 lower-case letters, digits and dashes, starting with a letter or digit (it keys storage and metrics).</summary>
public static partial class TenantNames
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex Valid();

    public const string Rule = "use 1-63 lower-case letters, digits and dashes, starting with a letter or digit";

    public static bool IsValid(string name) => Valid().IsMatch(name);

    public static string Require(string name) => IsValid(name)
        ? name
        : throw new ArgumentException($"'{(name.Length > 80 ? name[..80] + "…" : name)}' is not a tenant name: {Rule}.");
}
