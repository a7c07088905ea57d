using System.Diagnostics;

namespace Ttm.Docs.Tests;

/// <summary>docs/openapi.json (what /openapi.json serves, kept equal by VideosApiTests) passes a well-known linter.</summary>
public class OpenApiLintTests
{
    [Fact]
    public async Task TheOpenApiDocument_PassesRedoclysRecommendedRules()
    {
        var redocly = Path.Combine(Documentation.Root, "artifacts", "redocly", "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(redocly), "Redocly's CLI is missing: build/fetch-redocly.sh installs it (test.sh runs it).");
        var start = new ProcessStartInfo(redocly, ["lint", Path.Combine("docs", "openapi.json"), "--format=stylish"])
        {
            WorkingDirectory = Documentation.Root, RedirectStandardOutput = true, RedirectStandardError = true,
            Environment = { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"redocly lint docs/openapi.json failed (exit {process.ExitCode}):\n{await output}\n{await errors}");
    }
}
