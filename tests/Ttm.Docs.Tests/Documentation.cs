namespace Ttm.Docs.Tests;

/// <summary>The checkout these tests run in and its user-facing Markdown: README.md, docs/**/*.md and deploy/**/*.md.</summary>
static class Documentation
{
    public static readonly string Root = FindRoot();

    /// <summary>Every Markdown file a user reads, as paths relative to the root (with '/').</summary>
    public static IReadOnlyList<string> Pages { get; } =
    [
        "README.md",
        .. new[] { "docs", "deploy" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Root, folder), "*.md", SearchOption.AllDirectories))
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Contains("node_modules")) // installed packages' own READMEs
            .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>README.md and every page under docs/, one text: where a verb counts as documented.</summary>
    public static string ReadmeAndDocs() =>
        string.Join("\n", Pages.Where(p => p == "README.md" || p.StartsWith("docs/", StringComparison.Ordinal)).Select(Read));

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    /// <summary>The C# sources under a folder of the root, excluding build outputs.</summary>
    public static IEnumerable<string> Sources(string folder) =>
        Directory.EnumerateFiles(Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal);

    static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TtmCluster.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new DirectoryNotFoundException("TtmCluster.sln is not above the test binaries.");
    }
}
