using System.Text.Json;
using Ttm.Benchmarks;
using Ttm.Cli.Cluster;
using Xunit.Abstractions;

namespace Ttm.System.Tests;

/// <summary>
/// <c>./ttm bench fleet</c> at its smallest: two simulated accelerators, a plain silo, a gateway and Redis as processes started
/// here, a handful of generations. Every one completes, the report is JSON, and what it reads holds together.
/// </summary>
public sealed class FleetBenchmarkTests(ITestOutputHelper output) : IAsyncLifetime
{
    static readonly string Cli = Path.Combine(ServerFixture.Root, "src", "Ttm.Cli", "bin", "Release", "net10.0", "linux-x64", "ttm.dll");

    readonly string folder = Directory.CreateTempSubdirectory("ttm-bench-fleet-").FullName;
    LocalCluster cluster = null!;

    static readonly FleetBenchmark.Run Run = new(Accelerators: 2, Generations: 4, PerSecond: 2);

    public async Task InitializeAsync() => cluster = await LocalCluster.StartRedisAsync(folder,
        FleetBenchmark.Environment(Run, folder, Path.Combine(ServerFixture.Root, "models", "tiny")), program: Cli, acceleratorDevice: FleetBenchmark.Device);

    public async Task DisposeAsync()
    {
        foreach (var p in cluster.Processes) output.WriteLine($"--- {p.Name} (pid {p.Pid}, exit {p.ExitCode?.ToString() ?? "running"})\n{p.Tail(10)}");
        await cluster.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task TwoAccelerators_AHandfulOfGenerations_AllComplete_AndTheReportIsJsonThatAddsUp()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var image = await File.ReadAllBytesAsync(Path.Combine(ServerFixture.Root, "samples", "two-squares.png"));
        var report = await FleetBenchmark.RunAsync(cluster, image, Run, new StringWriter(), timeout.Token);

        using var json = JsonDocument.Parse(BenchmarkJson.Write(report));
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("accelerators").GetInt32());
        Assert.Equal(4, root.GetProperty("completed").GetInt32());
        Assert.Equal(["sim:h100"], root.GetProperty("devices_seen").EnumerateArray().Select(d => d.GetString()));
        Assert.InRange(root.GetProperty("generations_per_minute").GetDouble(), 0.1, root.GetProperty("ideal_generations_per_minute").GetDouble());
        Assert.True(root.GetProperty("ideal_alone_generations_per_minute").GetDouble() < root.GetProperty("ideal_generations_per_minute").GetDouble());
        // The share of what the run could reach: the offered rate bounds it where it is below the devices' ideal.
        double reachable = Math.Min(root.GetProperty("offered_per_second").GetDouble() * 60, root.GetProperty("ideal_generations_per_minute").GetDouble());
        Assert.Equal(root.GetProperty("generations_per_minute").GetDouble() / reachable, root.GetProperty("share_of_reachable").GetDouble(), 0.01);
        var placement = root.GetProperty("placement");
        Assert.InRange(placement.GetProperty("assigned_seconds").GetDouble(), placement.GetProperty("lower_bound_seconds").GetDouble(), 1e6);
        Assert.True(placement.GetProperty("lpt_seconds").GetDouble() >= placement.GetProperty("lower_bound_seconds").GetDouble());
        Assert.InRange(placement.GetProperty("seconds_by_accelerator").EnumerateObject().Count(), 1, 2);
        var admission = root.GetProperty("admission_seconds");
        Assert.InRange(admission.GetProperty("p50").GetDouble(), 1e-4, admission.GetProperty("p99").GetDouble());
        Assert.True(root.GetProperty("first_preview_seconds").GetProperty("p50").GetDouble() > admission.GetProperty("p50").GetDouble());
        Assert.True(root.GetProperty("gateway_events_per_second").GetDouble() > 0);
        Assert.True(root.GetProperty("redis_ops_per_second").GetDouble() > 0);
        Assert.True(root.GetProperty("redis_used_megabytes").GetDouble() > 0);
        var cpu = root.GetProperty("cpu_seconds_per_generation");
        foreach (var host in new[] { "accelerator", "plain", "gateway" }) Assert.True(cpu.GetProperty(host).GetDouble() > 0, host);
        Assert.True(cpu.GetProperty("redis").GetDouble() >= 0); // Redis' share can round to nothing over four generations
        Assert.Contains("motion", root.GetProperty("stage_seconds_p50").EnumerateObject().Select(p => p.Name));
        // The steady rate is read against the same ideal; without a baseline there is no scaling efficiency to read.
        Assert.Equal("tiny", root.GetProperty("size").GetString());
        Assert.Equal(root.GetProperty("steady_generations_per_minute").GetDouble() / root.GetProperty("ideal_generations_per_minute").GetDouble(),
            root.GetProperty("steady_share_of_ideal").GetDouble(), 0.01);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("scaling_efficiency").ValueKind);
        // Every kind of host reports its peak memory; a simulated accelerator holds no weights but its sessions and runtime.
        var rss = root.GetProperty("peak_rss_megabytes");
        foreach (var host in new[] { "accelerator", "plain", "gateway", "redis" }) Assert.True(rss.GetProperty(host).GetDouble() > 0, host);
    }
}
