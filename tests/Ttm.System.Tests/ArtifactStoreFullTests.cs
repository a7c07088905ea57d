using System.Diagnostics;
using Grpc.Core;
using Ttm.Cli.Cluster;
using Ttm.Hosting;
using Ttm.Protos;
using Ttm.Protos.V1;
using Xunit.Abstractions;

namespace Ttm.System.Tests;

/// <summary>
/// The artifact store's volume fills up under a running generation: a real tmpfs of 64 MB (mounted here, as root, and
/// unmounted however the test ends) holds the store of a cluster of real processes (Redis, an accelerator silo, a
/// gateway). The generation fails with code storage_full and a message saying so; nothing half-written is left or served;
/// its dead files go; a new upload is refused while the volume is full; once space is freed, generations complete again.
/// </summary>
public sealed class ArtifactStoreFullTests(ITestOutputHelper output) : IAsyncLifetime
{
    static readonly string Cli = Path.Combine(ServerFixture.Root, "src", "Ttm.Cli", "bin", "Release", "net10.0", "linux-x64", "ttm.dll");
    static readonly byte[] Sample = File.ReadAllBytes(Path.Combine(ServerFixture.Root, "samples", "two-squares.png"));

    readonly string folder = Directory.CreateTempSubdirectory("ttm-store-full-").FullName;
    LocalCluster cluster = null!;
    bool mounted;

    public async Task InitializeAsync()
    {
        cluster = await LocalCluster.StartRedisAsync(folder, program: Cli);
        Directory.CreateDirectory(cluster.Artifacts);
        Mount("-t", "tmpfs", "-o", "size=64m,mode=0755", "tmpfs", cluster.Artifacts);
        mounted = true;
    }

    public async Task DisposeAsync()
    {
        foreach (var p in cluster.Processes) output.WriteLine($"--- {p.Name} (pid {p.Pid}, exit {p.ExitCode?.ToString() ?? "running"})\n{p.Tail(12)}");
        await cluster.DisposeAsync(); // every process that had the store open, stopped first
        if (mounted && Run("umount", cluster.Artifacts) != 0) Run("umount", "-l", cluster.Artifacts);
        Directory.Delete(folder, recursive: true);
    }

    static int Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        process.WaitForExit(30_000);
        return process.ExitCode;
    }

    static void Mount(params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("mount", arguments) { RedirectStandardError = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit(30_000);
        Assert.True(process.ExitCode == 0, $"mount {string.Join(' ', arguments)} failed ({process.ExitCode}): {error} This test mounts a tmpfs and needs root.");
    }

    /// <summary>Writes zeros into a new file until the volume refuses: the volume is then full.</summary>
    static void Fill(string path)
    {
        var block = new byte[256 * 1024];
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true) file.Write(block);
        }
        catch (IOException) { }
        try { file.Flush(); } catch (IOException) { } // what did not fit is dropped
    }

    [Fact]
    public async Task AFullStore_FailsTheGenerationAsStorageFull_RefusesUploads_LeavesNothingHalfWritten_AndServesAgainOnceFreed()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await cluster.StartSiloAsync("accelerator", timeout.Token);
        int port = LocalCluster.FreePort();
        await cluster.StartGatewayAsync(port, timeout.Token);
        var keys = new[] { await cluster.TenantKeyAsync("tenant-a"), await cluster.TenantKeyAsync("tenant-b") };

        // 1. The volume fills while a generation runs (after its first motion preview): its next write is refused.
        var first = new GenerationFollower(ClusterFailureBenchmark.Request(Sample, 1, steps: 4, "full-1"), "tenant-a", keys[0], () => port);
        var run = first.RunAsync(timeout.Token);
        while (!first.Events.Any(e => e.MotionPreview is not null))
        {
            Assert.False(run.IsCompleted, "the generation ended before its first motion preview");
            await Task.Delay(100, timeout.Token);
        }
        Fill(Path.Combine(cluster.Artifacts, "filler-1"));
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} the store is full");
        await run;
        var failed = first.Last!;
        output.WriteLine($"{first.Id}: {failed.EventCase} {failed.Failed?.Code} {failed.Failed?.Message}");
        Assert.Equal(GenerationEvent.EventOneofCase.Failed, failed.EventCase);
        Assert.Equal("storage_full", failed.Failed!.Code);
        Assert.StartsWith("The artifact store is full", failed.Failed.Message);

        // 2. Nothing half-written: no temp file, no outputs; its checkpoints and frames go (dead weight of a failed run), which the
        //    grain removes once it has logged the failure: waited for, not assumed.
        Assert.Empty(Directory.EnumerateFiles(cluster.Artifacts, "*.tmp", SearchOption.AllDirectories));
        var dead = new[] { "checkpoints", "frames", "outputs" }.Select(d => Path.Combine(cluster.Artifacts, first.Id!, d)).ToList();
        for (var until = DateTime.UtcNow.AddSeconds(60); dead.Any(Directory.Exists) && DateTime.UtcNow < until;) await Task.Delay(200, timeout.Token);
        Assert.All(dead, d => Assert.False(Directory.Exists(d), $"{Path.GetRelativePath(cluster.Artifacts, d)} was left behind"));

        // 3. The server keeps serving: the failed generation replays to its end, and while the volume is still full an upload is refused as such.
        Fill(Path.Combine(cluster.Artifacts, "filler-2")); // what the failed run's clean-up freed, taken again
        var client = new Protos.V1.GenerationService.GenerationServiceClient(TtmChannel.Create($"http://127.0.0.1:{port}", keys[1]));
        var replay = new List<GenerationEvent>();
        var own = new Protos.V1.GenerationService.GenerationServiceClient(TtmChannel.Create($"http://127.0.0.1:{port}", keys[0]));
        using (var watch = own.Watch(new WatchRequest { GenerationId = first.Id }, cancellationToken: timeout.Token))
            await foreach (var e in watch.ResponseStream.ReadAllAsync(timeout.Token)) replay.Add(e);
        Assert.Equal(first.Events.Select(e => (e.Seq, e.EventCase)), replay.Select(e => (e.Seq, e.EventCase)));
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = client.Generate(ClusterFailureBenchmark.Request(Sample, 2, steps: 4, "full-2"), cancellationToken: timeout.Token);
            await foreach (var _ in call.ResponseStream.ReadAllAsync(timeout.Token)) { }
        });
        output.WriteLine($"while full: {refused.StatusCode} {refused.Status.Detail}");
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.StartsWith("The artifact store is full", refused.Status.Detail);

        // 4. Space freed: the next generation completes.
        File.Delete(Path.Combine(cluster.Artifacts, "filler-1"));
        File.Delete(Path.Combine(cluster.Artifacts, "filler-2"));
        var second = new GenerationFollower(ClusterFailureBenchmark.Request(Sample, 3, steps: 4, "full-3"), "tenant-b", keys[1], () => port);
        await second.RunAsync(timeout.Token);
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, second.Last?.EventCase);

        var history = await GenerationHistory.CheckAsync(cluster.Redis, new ClusterStoreOptions().ServiceId, cluster.Artifacts,
            GenerationHistory.Seen([first, second]), timeout.Token);
        output.WriteLine(history.ToString());
        Assert.True(history.Sound, history.ToString());
        Assert.Equal((1, 1), (history.Completed, history.Failed));
    }
}
