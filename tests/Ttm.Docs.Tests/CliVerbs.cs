using System.Text.RegularExpressions;

namespace Ttm.Docs.Tests;

/// <summary>
/// The verbs of <c>./ttm</c>, read from the CLI's command definitions (every <c>new Command("name", …)</c> under
/// src/Ttm.Cli), and whether a text documents each: a verb is documented where the text writes it as a command line,
/// <c>ttm</c> then other verbs then the verb (<c>./ttm serve</c>, <c>./ttm bench caching</c>, <c>./ttm tenants rotate</c>).
/// </summary>
static partial class CliVerbs
{
    public static IReadOnlyList<string> Of(IEnumerable<string> sources) =>
        sources.SelectMany(source => Definition().Matches(source).Select(m => m.Groups["name"].Value)).Distinct().Order(StringComparer.Ordinal).ToList();

    public static IReadOnlyList<string> FromCli() => Of(Documentation.Sources(Path.Combine("src", "Ttm.Cli")).Select(File.ReadAllText));

    /// <summary>The verbs of <paramref name="verbs"/> that <paramref name="text"/> never writes as a command line.</summary>
    public static IEnumerable<string> Undocumented(IReadOnlyList<string> verbs, string text)
    {
        var words = string.Join("|", verbs.Select(Regex.Escape));
        return verbs.Where(verb => !Regex.IsMatch(text, $@"\bttm(?: (?:{words}))* {Regex.Escape(verb)}(?![\w-])"));
    }

    [GeneratedRegex(@"new\s+Command\(\s*""(?<name>[a-z][a-z0-9-]*)""")]
    private static partial Regex Definition();
}
