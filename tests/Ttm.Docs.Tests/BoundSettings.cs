using System.Text.RegularExpressions;

namespace Ttm.Docs.Tests;

/// <summary>
/// Every setting a host binds, read from the options classes' sources: a class with <c>const string Section = "…"</c>
/// is bound at that section (<c>BindConfiguration</c>, <c>Bind(GetSection)</c>, <c>GetSection(Section).Get&lt;T&gt;</c>),
/// and each public property with a setter is one key under it. A property whose type is another class of these sources
/// is a sub-section (<c>Ttm:Auth:Jwt:Issuer</c>); a <c>Dictionary&lt;string, T&gt;</c> of such a class is a section per
/// name (<c>Ttm:Tenants:Overrides:NAME:MaxConcurrent</c>).
/// </summary>
static partial class BoundSettings
{
    public static IReadOnlyList<string> FromSources() =>
        Of(new[] { "src" }.SelectMany(Documentation.Sources).Select(File.ReadAllText));

    public static IReadOnlyList<string> Of(IEnumerable<string> sources)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal); // type name → its body, nested types removed
        var sections = new List<(string Type, string Section)>();
        foreach (var source in sources.Select(s => Comment().Replace(s, "")))
            foreach (Match declaration in TypeDeclaration().Matches(source))
            {
                var body = Body(source, declaration.Index + declaration.Length - 1);
                var own = WithoutNestedTypes(body);
                types[declaration.Groups["name"].Value] = own;
                if (SectionConstant().Match(own) is { Success: true } section) sections.Add((declaration.Groups["name"].Value, section.Groups["section"].Value));
            }
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (type, section) in sections) Collect(type, section, types, keys, depth: 0);
        return [.. keys];
    }

    /// <summary>The keys of <paramref name="keys"/> that <paramref name="text"/> never names in full.</summary>
    public static IEnumerable<string> Undocumented(IEnumerable<string> keys, string text) =>
        keys.Where(key => !text.Contains($"`{key}`", StringComparison.Ordinal));

    static void Collect(string type, string prefix, Dictionary<string, string> types, SortedSet<string> keys, int depth)
    {
        if (depth > 4) return;
        foreach (Match property in Property().Matches(types[type]))
        {
            var (propertyType, name) = (property.Groups["type"].Value.TrimEnd('?'), property.Groups["name"].Value);
            if (Dictionary().Match(propertyType) is { Success: true } dictionary && types.ContainsKey(dictionary.Groups["value"].Value))
                Collect(dictionary.Groups["value"].Value, $"{prefix}:{name}:NAME", types, keys, depth + 1);
            else if (types.ContainsKey(propertyType) && Property().IsMatch(types[propertyType]))
                Collect(propertyType, $"{prefix}:{name}", types, keys, depth + 1);
            else
                keys.Add($"{prefix}:{name}");
        }
    }

    /// <summary>The text between the brace at <paramref name="open"/> and its match.</summary>
    static string Body(string source, int open)
    {
        int depth = 0;
        for (int i = open; i < source.Length; i++)
        {
            if (source[i] == '{') depth++;
            else if (source[i] == '}' && --depth == 0) return source[(open + 1)..i];
        }
        return source[(open + 1)..];
    }

    static string WithoutNestedTypes(string body)
    {
        while (TypeDeclaration().Match(body) is { Success: true } nested)
        {
            var inner = Body(body, nested.Index + nested.Length - 1);
            body = body.Remove(nested.Index, nested.Length + inner.Length + 1);
        }
        return body;
    }

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"\b(?:class|record)\s+(?<name>\w+)\b[^{;]*\{")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"\bconst\s+string\s+Section\s*=\s*""(?<section>Ttm[^""]*)""")]
    private static partial Regex SectionConstant();

    [GeneratedRegex(@"^\s*public\s+(?:required\s+)?(?<type>[\w<>\[\]?,. ]+?)\s+(?<name>\w+)\s*\{\s*get;\s*(?:set|init);", RegexOptions.Multiline)]
    private static partial Regex Property();

    [GeneratedRegex(@"^Dictionary<\s*string\s*,\s*(?<value>\w+)\s*>$")]
    private static partial Regex Dictionary();
}
