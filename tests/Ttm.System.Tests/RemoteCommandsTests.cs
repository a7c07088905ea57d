using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Ttm.System.Tests;

/// <summary>
/// The command line's review, render and vary against a real server: <c>./ttm generate --server … --stop-after-motion</c>
/// ends awaiting review, <c>./ttm continue ID --path …</c> renders it with an object dragged, <c>./ttm vary ID</c> makes
/// another video from its trajectory; each a separate CLI process, as a user runs them.
/// </summary>
public sealed partial class RemoteCommandsTests(ServerFixture server, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    static readonly string Cli = Path.Combine(ServerFixture.Root, "src", "Ttm.Cli", "bin", "Release", "net10.0", "linux-x64", "ttm.dll");

    [GeneratedRegex(@"accepted as (\S+)")]
    private static partial Regex Accepted();

    async Task<(int ExitCode, string Output)> TtmAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = ServerFixture.Root };
        start.ArgumentList.Add(Cli);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var a in new[] { "--server", server.Address, "--api-key", server.Key }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        var text = await stdout + await stderr;
        output.WriteLine($"$ ttm {string.Join(' ', arguments)} → {process.ExitCode}\n{text}");
        return (process.ExitCode, text);
    }

    [Fact]
    public async Task GenerateStopAfterMotion_ThenContinueWithAPath_ThenVary_EachComplete()
    {
        var folder = Directory.CreateTempSubdirectory("ttm-remote-").FullName;
        try
        {
            var image = Path.Combine(folder, "two-squares.png");
            await File.WriteAllBytesAsync(image, SampleRequests.Sample);
            var (code, text) = await TtmAsync("generate", "--image", image, "--prompt", "The red square moves right while the white square slides down.",
                "--steps", "2", "--size", "64", "--stop-after-motion", "--out", Path.Combine(folder, "first"));
            Assert.Equal(0, code);
            Assert.Contains("awaiting review", text);
            Assert.Contains("./ttm continue", text);
            string id = Accepted().Match(text).Groups[1].Value;
            Assert.NotEmpty(id);

            (code, text) = await TtmAsync("continue", id, "--path", "0:30,40;70,40", "--seed", "3", "--out", Path.Combine(folder, "render"));
            Assert.Equal(0, code);
            Assert.Contains("continued after review with seed 3 (1 object(s) on edited paths)", text);
            Assert.Contains("completed", text);
            Assert.True(new FileInfo(Path.Combine(folder, "render", "video.mp4")).Length > 0);

            (code, text) = await TtmAsync("vary", id, "--seed", "4", "--out", Path.Combine(folder, "variation"));
            Assert.Equal(0, code);
            string variation = Accepted().Match(text).Groups[1].Value;
            Assert.NotEqual(id, variation);
            Assert.Contains("completed", text);
            Assert.DoesNotContain("motion trajectory done", text); // a variation reuses the trajectory: no stage 1
            Assert.True(new FileInfo(Path.Combine(folder, "variation", "video.mp4")).Length > 0);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task AMalformedPath_AMalformedId_OrAnUnknownOne_IsAnErrorMessage_AndExitCode2()
    {
        var (code, text) = await TtmAsync("continue", "any-id", "--path", "first:10,10");
        Assert.Equal(2, code);
        Assert.Contains("error: --path first:10,10: expected OBJECT:X,Y", text);

        (code, text) = await TtmAsync("vary", "no-such-generation");
        Assert.Equal(2, code);
        Assert.Contains("error (InvalidArgument): generation_id must be 'gen-'", text);

        (code, text) = await TtmAsync("vary", "gen-" + new string('0', 32));
        Assert.Equal(2, code);
        Assert.Contains("error (NotFound)", text);
    }
}
