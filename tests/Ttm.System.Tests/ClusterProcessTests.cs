using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Ttm.Cli.Cluster;
using Ttm.Hosting;
using Ttm.Protos;
using Ttm.Protos.V1;
using Xunit.Abstractions;

namespace Ttm.System.Tests;

/// <summary>
/// The cluster as separate OS processes on a real Redis (started here on a free port): one gateway, one plain and
/// two accelerator silos. Generations survive the loss of any one process: an accelerator silo, the silo holding
/// their grains, the gateway; an accelerator drained by SIGTERM fails nothing, and the whole cluster restarted
/// lists and replays every completed generation. Every process is one this test started, stopped by its PID; the folder goes too.
/// </summary>
public sealed class ClusterProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    static readonly string Cli = Path.Combine(ServerFixture.Root, "src", "Ttm.Cli", "bin", "Release", "net10.0", "linux-x64", "ttm.dll");
    static readonly byte[] Sample = File.ReadAllBytes(Path.Combine(ServerFixture.Root, "samples", "two-squares.png"));

    readonly string folder = Directory.CreateTempSubdirectory("ttm-cluster-").FullName;
    LocalCluster cluster = null!;

    public async Task InitializeAsync()
    {
        cluster = await LocalCluster.StartRedisAsync(folder, program: Cli);
        cluster.DeviceThreads = LocalCluster.ShareOfCores(2); // two accelerator silos share the machine's cores
    }

    public async Task DisposeAsync()
    {
        foreach (var p in cluster.Processes) output.WriteLine($"--- {p.Name} (pid {p.Pid}, exit {p.ExitCode?.ToString() ?? "running"})\n{p.Tail(15)}");
        await cluster.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    readonly Dictionary<string, string> keys = [];

    /// <summary>Tenant <paramref name="i"/> mod 3, with its key made in the cluster's Redis.</summary>
    async Task<GenerationFollower> Follower(int i, Func<int> port)
    {
        var tenant = $"tenant-{i % 3}";
        if (!keys.TryGetValue(tenant, out var key)) keys[tenant] = key = await cluster.TenantKeyAsync(tenant);
        return new(ClusterFailureBenchmark.Request(Sample, i, steps: 5, $"request-{i}"), tenant, key, port);
    }

    /// <summary>Generations from three tenants, of 5 + 5 steps (a checkpoint after step 4 of each stage): two cores run them all.</summary>
    const int Generations = 20;

    [Fact]
    public async Task Generations_SurviveKillingAnAccelerator_TheSiloHoldingTheirGrains_AndTheGateway()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        var plain = await cluster.StartSiloAsync("plain", timeout.Token);
        var accelerators = new[] { await cluster.StartSiloAsync("accelerator", timeout.Token), await cluster.StartSiloAsync("accelerator", timeout.Token) };
        int port = LocalCluster.FreePort();
        var gateway = await cluster.StartGatewayAsync(port, timeout.Token);

        var followers = new List<GenerationFollower>();
        for (int i = 0; i < Generations; i++) followers.Add(await Follower(i, () => Volatile.Read(ref port)));
        var runs = followers.Select(f => f.RunAsync(timeout.Token)).ToList();
        async Task Until(Func<bool> condition, string what)
        {
            while (!condition())
            {
                Assert.False(runs.All(r => r.IsCompleted), $"every generation ended before {what}");
                await Task.Delay(100, timeout.Token);
            }
        }

        // 1. An accelerator silo dies mid stage 1 (a motion preview is out).
        await Until(() => followers.Any(f => f.Events.Any(e => e.MotionPreview is not null)), "a motion preview");
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} SIGKILL {accelerators[0].Name} (pid {accelerators[0].Pid})");
        accelerators[0].Kill();

        // 2. The silo holding the most of their grains dies (placement spreads grains over every silo). If that was the
        //    last accelerator, another one starts: the generations need one to finish.
        await Until(() => followers.Count(f => f.Events.Any(e => e.MotionDone is not null)) >= 2, "two trajectories");
        static int Grains(HostProcess silo) => silo.Output().Count(line => line.Contains("started for tenant") || line.Contains("is driven again"));
        var holder = new[] { plain, accelerators[1] }.MaxBy(Grains)!;
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} SIGKILL {holder.Name} (pid {holder.Pid}), which started {Grains(holder)} generation grains");
        Assert.True(Grains(holder) > 0, "no surviving silo holds a generation grain");
        holder.Kill();
        if (holder != plain) await cluster.StartSiloAsync("accelerator", timeout.Token);

        // 3. The gateway dies; another starts on another port, and the clients reconnect there.
        await Until(() => followers.Count(f => f.Events.Any(e => e.VideoPreview is not null)) >= 2, "two video previews");
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} SIGKILL {gateway.Name} (pid {gateway.Pid})");
        gateway.Kill();
        int next = LocalCluster.FreePort();
        await cluster.StartGatewayAsync(next, timeout.Token);
        Volatile.Write(ref port, next);

        await Task.WhenAll(runs);
        foreach (var f in followers)
        {
            output.WriteLine($"{f.Id} ({f.Tenant}): {f.Events.Count} events, {f.Reconnects} reconnects, ended {f.Events[^1].EventCase} {f.Events[^1].Completed?.Note}{f.Events[^1].Failed?.Message}");
            Assert.Equal(GenerationEvent.EventOneofCase.Completed, f.Events[^1].EventCase);
            Assert.Equal(Enumerable.Range(1, f.Events.Count).Select(i => (long)i), f.Events.Select(e => e.Seq)); // 1..N, each once, across reconnects
            Assert.Equal(GenerationEvent.EventOneofCase.Accepted, f.Events[0].EventCase);
            Assert.Single(f.Events, e => e.MotionDone is not null);
        }
        Assert.Contains(followers, f => f.Reconnects > 0);
        await AssertSoundHistory(followers, timeout.Token);
        AssertNoSecretInAnyLog();
    }

    /// <summary>The history checker: every log seq 1..N with one terminal event, the completions' artifacts there, every event a client saw logged.</summary>
    async Task AssertSoundHistory(IEnumerable<GenerationFollower> followers, CancellationToken cancellationToken)
    {
        var history = await GenerationHistory.CheckAsync(cluster.Redis, new ClusterStoreOptions().ServiceId, cluster.Artifacts,
            GenerationHistory.Seen(followers), cancellationToken);
        output.WriteLine(history.ToString());
        Assert.True(history.Sound, history.ToString());
    }

    /// <summary>Every host's output (the ready lines, the failures of the kills above) holds no secret: Redis' password, a tenant's key.</summary>
    void AssertNoSecretInAnyLog()
    {
        var secrets = keys.Values.Append(cluster.RedisPassword).ToList();
        Assert.All(cluster.Processes.Except(cluster.RedisProcesses), host =>
        {
            Assert.NotEmpty(host.Output());
            foreach (var line in host.Output())
                Assert.False(secrets.Any(line.Contains), $"{host.Name} logged a secret: {line}");
        });
        Assert.Contains(cluster.Processes, host => host.Output().Any(line => line.Contains("ttm gateway ready") && line.Contains("127.0.0.1")));
    }

    [Fact]
    public async Task AnAcceleratorDrainedBySigterm_MidStage_FailsNothing_AndTheWholeClusterRestarted_ReplaysEverything()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await cluster.StartSiloAsync("plain", timeout.Token);
        var accelerators = new[] { await cluster.StartSiloAsync("accelerator", timeout.Token), await cluster.StartSiloAsync("accelerator", timeout.Token) };
        int port = LocalCluster.FreePort();
        var gateway = await cluster.StartGatewayAsync(port, timeout.Token);
        var followers = new List<GenerationFollower>();
        for (int i = 100; i < 103; i++) followers.Add(await Follower(i, () => port));
        var runs = followers.Select(f => f.RunAsync(timeout.Token)).ToList();

        // A rolling update stops an accelerator silo mid stage 1: SIGTERM, it drains and leaves; its stages go on elsewhere.
        while (!followers.Any(f => f.Events.Any(e => e.MotionPreview is not null))) await Task.Delay(100, timeout.Token);
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} SIGTERM {accelerators[0].Name} (pid {accelerators[0].Pid})");
        bool drained = await accelerators[0].TerminateAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {accelerators[0].Name} exited with {accelerators[0].ExitCode}");
        Assert.True(drained, "the silo did not leave within 60 s of SIGTERM");
        await Task.WhenAll(runs);
        Assert.All(followers, f => Assert.Equal(GenerationEvent.EventOneofCase.Completed, f.Events[^1].EventCase));
        Assert.All(followers, f => Assert.Equal(Enumerable.Range(1, f.Events.Count).Select(i => (long)i), f.Events.Select(e => e.Seq)));
        await AssertSoundHistory(followers, timeout.Token);

        // Stop everything but Redis, start it all again: the completed generations are listed, replay in full, and their artifacts are there.
        foreach (var host in cluster.Processes.Except(cluster.RedisProcesses).Where(p => !p.HasExited).ToList()) await host.TerminateAsync(TimeSpan.FromSeconds(60));
        await cluster.StartSiloAsync("plain", timeout.Token);
        await cluster.StartSiloAsync("accelerator", timeout.Token);
        int again = LocalCluster.FreePort();
        await cluster.StartGatewayAsync(again, timeout.Token);
        foreach (var f in followers)
        {
            var client = new Protos.V1.GenerationService.GenerationServiceClient(TtmChannel.Create($"http://127.0.0.1:{again}", keys[f.Tenant]));
            var listed = await client.ListAsync(new ListRequest());
            Assert.Contains(f.Id, listed.Generations.Select(g => g.GenerationId));
            Assert.Equal("Completed", listed.Generations.Single(g => g.GenerationId == f.Id).State);
            var replay = new List<GenerationEvent>();
            using var watch = client.Watch(new WatchRequest { GenerationId = f.Id });
            await foreach (var e in watch.ResponseStream.ReadAllAsync(timeout.Token)) replay.Add(e);
            Assert.Equal(f.Events.Select(e => (e.Seq, e.EventCase)), replay.Select(e => (e.Seq, e.EventCase)));
            Assert.Equal(f.Events.Where(e => e.VideoChunk is not null).Select(e => e.VideoChunk.Data), replay.Where(e => e.VideoChunk is not null).Select(e => e.VideoChunk.Data));
            foreach (var artifact in f.Events[^1].Completed.Artifacts.Values)
                Assert.True(File.Exists(Path.Combine(cluster.Artifacts, artifact)), $"{f.Id}: {artifact} is gone after the restart");
        }
        AssertNoSecretInAnyLog();
    }
}
