using System.Diagnostics;

namespace Ttm.System.Tests;

/// <summary>A client that shares no code with the server: buf curl, through server reflection.</summary>
public sealed class IndependentClientTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    static readonly string Buf = Path.Combine(ServerFixture.Root, "artifacts", "buf", "node_modules", ".bin", "buf");

    async Task<string> BufCurl(string arguments, bool succeeds = true)
    {
        using var process = Process.Start(new ProcessStartInfo(Buf, $"curl --protocol grpc --http2-prior-knowledge {arguments}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True((process.ExitCode == 0) == succeeds, $"buf curl exited with {process.ExitCode}: {error}");
        return succeeds ? output : error;
    }

    [Fact]
    public async Task BufCurl_ListsTheServiceByReflectionWithAKey_IsRefusedWithoutOne_AndStreamsAGenerationWithOne()
    {
        // Reflection answers tenants only (it lists OpsService too): anonymous listing is refused, a tenant's key lists.
        Assert.Contains("not authenticated", await BufCurl($"--list-methods http://127.0.0.1:{server.Port}", succeeds: false));
        var methods = await BufCurl($"--reflect-header \"authorization: Bearer {server.Key}\" --list-methods http://127.0.0.1:{server.Port}");
        Assert.Contains("ttm.v1.GenerationService/Generate", methods);
        Assert.Contains("grpc.health.v1.Health/Check", methods);

        var image = Convert.ToBase64String(await File.ReadAllBytesAsync(Path.Combine(ServerFixture.Root, "samples", "two-squares.png")));
        var request = Path.GetTempFileName();
        await File.WriteAllTextAsync(request, $$"""{"image":"{{image}}","prompt":"The red square moves right.","seed":1,"motionSteps":2,"videoSteps":2,"previewSize":32}""");
        var anonymous = await BufCurl($"--reflect-header \"authorization: Bearer {server.Key}\" -d @{request} http://127.0.0.1:{server.Port}/ttm.v1.GenerationService/Generate", succeeds: false);
        Assert.Contains("unauthenticated", anonymous);
        var stream = await BufCurl($"-H \"authorization: Bearer {server.Key}\" --reflect-header \"*\" -d @{request} http://127.0.0.1:{server.Port}/ttm.v1.GenerationService/Generate");
        File.Delete(request);
        foreach (var field in new[] { "\"accepted\"", "\"plan\"", "\"segmentation\"", "\"motionDone\"", "\"videoChunk\"", "\"completed\"" })
            Assert.Contains(field, stream);
        Assert.True(stream.IndexOf("\"plan\"", StringComparison.Ordinal) < stream.IndexOf("\"videoChunk\"", StringComparison.Ordinal));
    }
}
