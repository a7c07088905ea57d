using System.Text;
using System.Text.RegularExpressions;

namespace Ttm.Docs.Tests;

/// <summary>The relative links of a Markdown page and whether each resolves: the file or folder exists, and a
/// <c>#fragment</c> into a Markdown file names one of its headings as GitHub writes heading anchors.</summary>
static partial class MarkdownLinks
{
    /// <summary>Each broken relative link of <paramref name="markdown"/> (read from <paramref name="pagePath"/>, relative to
    /// <paramref name="root"/>), as "target: why".</summary>
    public static IEnumerable<string> Broken(string root, string pagePath, string markdown)
    {
        foreach (var target in Targets(markdown))
        {
            if (IsExternal(target)) continue;
            var (path, fragment) = target.IndexOf('#') is var hash and >= 0 ? (target[..hash], target[(hash + 1)..]) : (target, null);
            var page = Path.Combine(root, pagePath);
            var file = path.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, Uri.UnescapeDataString(path)));
            if (!File.Exists(file) && !Directory.Exists(file))
            {
                yield return $"{target}: no file or folder {Path.GetRelativePath(root, file)}";
                continue;
            }
            if (fragment is { Length: > 0 } && file.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
                && !Anchors(path.Length == 0 ? markdown : File.ReadAllText(file)).Contains(fragment))
                yield return $"{target}: {Path.GetRelativePath(root, file)} has no heading with the anchor #{fragment}";
        }
    }

    /// <summary>The targets of inline links and images, outside code (fenced blocks and inline code spans).</summary>
    public static IEnumerable<string> Targets(string markdown) =>
        Link().Matches(WithoutCode(markdown)).Select(m => m.Groups["target"].Value);

    /// <summary>GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as '-', repeats numbered.</summary>
    public static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match heading in Heading().Matches(WithoutFences(markdown)))
        {
            var text = heading.Groups["text"].Value.Trim().Replace("`", "");
            var slug = new StringBuilder();
            foreach (var c in text.ToLowerInvariant())
                if (char.IsLetterOrDigit(c) || c is '-' or '_') slug.Append(c);
                else if (c == ' ') slug.Append('-');
            var anchor = slug.ToString();
            for (int n = 1; !anchors.Add(anchor); n++) anchor = $"{slug}-{n}";
        }
        return anchors;
    }

    static bool IsExternal(string target) => UriScheme().IsMatch(target);

    static string WithoutCode(string markdown) => InlineCode().Replace(WithoutFences(markdown), "");

    static string WithoutFences(string markdown) => Fence().Replace(markdown, "");

    [GeneratedRegex(@"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\((?<target>[^()\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6}[ \t]+(?<text>.+?)[ \t]*#*[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"^[ \t]*```.*?^[ \t]*```[^\n]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex UriScheme();
}
