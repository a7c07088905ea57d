namespace Ttm.Docs.Tests;

/// <summary>README.md and docs/ against the code: a link, a verb or a setting added without its documentation fails here.</summary>
public class DocumentationTests
{
    [Fact]
    public void EveryRelativeLink_InTheReadmeAndDocs_Resolves()
    {
        Assert.Contains("README.md", Documentation.Pages);
        Assert.Contains("docs/configuration.md", Documentation.Pages);
        var broken = Documentation.Pages
            .SelectMany(page => MarkdownLinks.Broken(Documentation.Root, page, Documentation.Read(page)).Select(why => $"{page}: {why}"))
            .ToList();
        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join("\n", broken));
    }

    [Fact]
    public void EveryCliVerb_AppearsInTheReadmeOrDocs()
    {
        var verbs = CliVerbs.FromCli();
        Assert.Contains("serve", verbs); // the reading of the sources still finds the verbs
        Assert.Contains("caching", verbs);
        var missing = CliVerbs.Undocumented(verbs, Documentation.ReadmeAndDocs()).ToList();
        Assert.True(missing.Count == 0,
            "Verbs of ./ttm that neither README.md nor docs/ write as a command line (e.g. `./ttm bench NAME`): " + string.Join(", ", missing));
    }

    [Fact]
    public void EveryBoundSetting_AppearsInConfigurationMd()
    {
        var settings = BoundSettings.FromSources();
        Assert.Contains("Ttm:Role", settings); // the reading of the options classes still finds them
        Assert.Contains("Ttm:Auth:Jwt:TenantClaim", settings);
        Assert.Contains("Ttm:Tenants:Overrides:NAME:MaxConcurrent", settings);
        var missing = BoundSettings.Undocumented(settings, Documentation.Read("docs/configuration.md")).ToList();
        Assert.True(missing.Count == 0, "Settings bound by a host but missing from docs/configuration.md (write each as `Key`): " + string.Join(", ", missing));
    }

    [Fact]
    public void TheReadme_IsAUsersGuide_NotAReference()
    {
        var lines = Documentation.Read("README.md").Split('\n').Length;
        Assert.True(lines <= 200, $"README.md has {lines} lines; reference and measurements belong in docs/ (at most ~200).");
        Assert.StartsWith("# TtmCluster\n\n```bash\n./ttm setup && ./ttm generate ", Documentation.Read("README.md").ReplaceLineEndings("\n"));
    }
}

/// <summary>The checkers themselves: each finds what is missing, so the tests above can fail.</summary>
public class DocumentationCheckerTests
{
    [Fact]
    public void AVerbAddedToTheCli_WithoutDocs_IsFound()
    {
        var verbs = CliVerbs.Of([
            """var bench = new Command("bench", "Benchmarks"); bench.Subcommands.Add(new Command("caching", "…")); new Command("frobnicate", "new");""",
        ]);
        Assert.Equal(["bench", "caching", "frobnicate"], verbs);
        Assert.Equal(["frobnicate"], CliVerbs.Undocumented(verbs, "Run `./ttm bench caching --json FILE`; frobnicate is a word, not a command line."));
    }

    [Fact]
    public void ASettingAddedToAnOptionsClass_WithoutDocs_IsFound()
    {
        var settings = BoundSettings.Of([
            """
            public sealed class ExampleOptions
            {
                public const string Section = "Ttm:Example";
                /// <summary>A class with words in its comment { get; set; }</summary>
                public int Documented { get; set; } = 1;
                public string? Added { get; init; }
                public Inner Nested { get; set; } = new();
                public Dictionary<string, Inner> PerName { get; set; } = [];
                public string Computed => "";
                public sealed class Inner
                {
                    public double? Limit { get; set; }
                }
            }
            """,
        ]);
        Assert.Equal(["Ttm:Example:Added", "Ttm:Example:Documented", "Ttm:Example:Nested:Limit", "Ttm:Example:PerName:NAME:Limit"], settings);
        Assert.Equal(["Ttm:Example:Added", "Ttm:Example:PerName:NAME:Limit"],
            BoundSettings.Undocumented(settings, "| `Ttm:Example:Documented` | 1 |\n| `Ttm:Example:Nested:Limit` | none |\nTtm:Example:Added without backticks"));
    }

    [Fact]
    public void ALinkToAMissingFileOrHeading_IsFound()
    {
        var root = Documentation.Root;
        var page = "# Title\n\n## A section: with punctuation\n\n[ok](README.md) [self](#a-section-with-punctuation) [gone](docs/nothing-here.md) "
            + "[bad anchor](docs/configuration.md#no-such-heading) [web](https://example.com) `[code](not-a-link.md)`\n";
        var broken = MarkdownLinks.Broken(root, "README.md", page).ToList();
        Assert.Equal(2, broken.Count);
        Assert.StartsWith("docs/nothing-here.md:", broken[0]);
        Assert.StartsWith("docs/configuration.md#no-such-heading:", broken[1]);
    }
}
