using System.Diagnostics;

namespace Ttm.System.Tests;

/// <summary>
/// Every example in examples/ run as a user runs it, as a child process against the embedded server: the .NET console app
/// (Ttm.Client), Python with Debian's grpcio (stubs generated from the proto), and curl against the REST API. Each must
/// end with exit code 0 and leave a playable MP4. The README's quickstart (curl, then buf curl) runs too, as written.
/// </summary>
public sealed class ExamplesTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    static readonly string Examples = Path.Combine(ServerFixture.Root, "examples");

    /// <summary>Runs the command (its PID kept, its whole tree killed if it outlives the limit or the test fails); returns its output.</summary>
    static async Task<string> RunAsync(string file, IEnumerable<string> arguments, TimeSpan limit)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = ServerFixture.Root };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        try
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(limit);
            await process.WaitForExitAsync(timeout.Token);
            var text = await output + await errors;
            Assert.True(process.ExitCode == 0, $"{Path.GetFileName(file)} exited {process.ExitCode}:\n{text}");
            return text;
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    static void AssertMp4(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{path} has {bytes.Length} bytes");
        Assert.Equal("ftyp", global::System.Text.Encoding.ASCII.GetString(bytes, 4, 4));
    }

    string Output(string name) => Path.Combine(server.Store, "examples", name);

    [Fact]
    public async Task DotnetConsole_GeneratesWithTtmClient()
    {
        var dll = Path.Combine(Examples, "dotnet", "bin", "Release", "net10.0", "ttm-example.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the solution build (test.sh) builds it");
        // An app carries the client and the contract only: no libtorch, no Orleans, no ASP.NET Core.
        var carried = Directory.GetFiles(Path.GetDirectoryName(dll)!, "*.dll").Select(Path.GetFileName).ToList();
        Assert.DoesNotContain(carried, f => f!.StartsWith("Orleans", StringComparison.Ordinal) || f.StartsWith("TorchSharp", StringComparison.Ordinal) || f.StartsWith("Ttm.Gateway", StringComparison.Ordinal));
        Assert.DoesNotContain("Microsoft.AspNetCore.App", File.ReadAllText(Path.ChangeExtension(dll, ".runtimeconfig.json")));
        var text = await RunAsync("dotnet", [dll, server.Address, server.Key, "samples/two-squares.png", "The red square moves right.", Output("dotnet")], TimeSpan.FromMinutes(4));
        Assert.Contains("Completed", text);
        Assert.Contains("VideoPreview step 2/4", text);
        AssertMp4(Path.Combine(Output("dotnet"), "video.mp4"));
    }

    [Fact]
    public async Task Python_GeneratesWithGrpcio()
    {
        var text = await RunAsync("/usr/bin/python3", [Path.Combine(Examples, "python", "generate.py"), "--server", $"127.0.0.1:{server.Port}", "--api-key", server.Key,
            "--image", "samples/two-squares.png", "--prompt", "The red square moves right.", "--steps", "4", "--out", Output("python")], TimeSpan.FromMinutes(4));
        Assert.Contains(" plan The red square moves right.", text);
        Assert.Contains(" completed", text);
        AssertMp4(Path.Combine(Output("python"), "video.mp4"));
    }

    [Fact]
    public async Task Curl_GeneratesThroughTheRestApi()
    {
        var text = await RunAsync("bash", [Path.Combine(Examples, "curl", "generate.sh"), server.HttpAddress, server.Key, "samples/two-squares.png",
            "The red square moves right.", Output("curl")], TimeSpan.FromMinutes(4));
        Assert.Contains("segmentation\n", text);
        Assert.Contains("status completed", text);
        AssertMp4(Path.Combine(Output("curl"), "video.mp4"));
        AssertMp4(Path.Combine(Output("curl"), "trajectory.mp4"));
    }

    /// <summary>
    /// The README's REST and gRPC blocks, as a new user pastes them after <c>./ttm serve</c>: only the default addresses
    /// (5080, 5082), the key file and the output path are this server's.
    /// </summary>
    [Fact]
    public async Task Readme_CurlAndBufCurlBlocks_RunAsWritten()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(ServerFixture.Root, "README.md"));
        var blocks = global::System.Text.RegularExpressions.Regex.Matches(readme, "```bash\n(.*?)```", global::System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value).ToList();
        var rest = Assert.Single(blocks, b => b.Contains("/v1/videos/$id/content", StringComparison.Ordinal));
        var grpc = Assert.Single(blocks, b => b.Contains("buf curl", StringComparison.Ordinal) && b.Contains("/Generate", StringComparison.Ordinal));
        var script = ("set -euo pipefail\n" + rest + grpc)
            .Replace("$(cat artifacts/api-key)", $"'{server.Key}'", StringComparison.Ordinal)
            .Replace("http://127.0.0.1:5082", server.HttpAddress, StringComparison.Ordinal)
            .Replace("http://127.0.0.1:5080", server.Address, StringComparison.Ordinal)
            .Replace("out/video.mp4", Path.Combine(Output("readme"), "video.mp4"), StringComparison.Ordinal);
        var file = Path.Combine(server.Store, "readme-quickstart.sh");
        await File.WriteAllTextAsync(file, script);
        var text = await RunAsync("bash", [file], TimeSpan.FromMinutes(4));
        Assert.Contains("\"object\":\"video\"", text); // the job, as POST answered it
        Assert.Contains("event: completed", text);
        AssertMp4(Path.Combine(Output("readme"), "video.mp4"));
        Assert.Contains("\"generationId\"", text); // the gRPC stream, as buf curl prints it (camelCase; the SSE data is snake_case)
        Assert.Contains("\"completed\": {", text);
    }
}
