using System.Diagnostics;
using System.Net;
using Ttm.Cli.Cluster;
using Ttm.Hosting;
using Ttm.Protos;
using Ttm.Protos.V1;
using Xunit.Abstractions;

namespace Ttm.System.Tests;

/// <summary>
/// What goes into each image (deploy/docker copies build/publish.sh's folder and nothing else): the gateway's and the
/// silo's self-contained publishes, started from those folders with the cluster overlay's variables, serve a generation;
/// their probes answer as the manifests expect; the gateway carries no libtorch.
/// </summary>
public sealed class PublishedHostsTests(ITestOutputHelper output) : IAsyncLifetime
{
    readonly string folder = Directory.CreateTempSubdirectory("ttm-published-").FullName;
    LocalCluster cluster = null!;

    string Published => Path.Combine(folder, "publish");

    public async Task InitializeAsync()
    {
        foreach (var host in new[] { "gateway", "silo" })
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { Path.Combine(ServerFixture.Root, "build", "publish.sh"), host, Path.Combine(Published, host) }) start.ArgumentList.Add(a);
            using var publish = Process.Start(start)!;
            var error = publish.StandardError.ReadToEndAsync();
            await publish.StandardOutput.ReadToEndAsync();
            await publish.WaitForExitAsync();
            Assert.True(publish.ExitCode == 0, $"build/publish.sh {host}: {await error}");
        }
        cluster = await LocalCluster.StartRedisAsync(Path.Combine(folder, "cluster"), published: Published);
    }

    public async Task DisposeAsync()
    {
        if (cluster is not null) // null when a publish failed
        {
            foreach (var p in cluster.Processes) output.WriteLine($"--- {p.Name} (pid {p.Pid}, exit {p.ExitCode?.ToString() ?? "running"})\n{p.Tail(10)}");
            await cluster.DisposeAsync();
        }
        Directory.Delete(folder, recursive: true);
    }

    static async Task<HttpStatusCode> Probe(HostProcess host, string probe)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync($"http://127.0.0.1:{host.HealthPort}{HealthProbes.PathOf(probe)}");
        return response.StatusCode;
    }

    static async Task<HttpStatusCode> ProbeUntil(HostProcess host, string probe, HttpStatusCode wanted, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        HttpStatusCode last;
        while ((last = await Probe(host, probe)) != wanted && clock.Elapsed < timeout) await Task.Delay(250);
        return last;
    }

    [Fact]
    public async Task ThePublishedGatewayAndSilo_ServeAGeneration_FromTheirOwnFolders()
    {
        Assert.Empty(Directory.GetFiles(Path.Combine(Published, "gateway"), "*torch*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Path.Combine(Published, "gateway"), "libc10*", SearchOption.AllDirectories));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(Published, "silo"), "libtorch*.so", SearchOption.AllDirectories));
        Assert.True(File.Exists(Path.Combine(Published, "silo", "models", "tiny", "motion", "model.safetensors")));

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var silo = await cluster.StartSiloAsync("accelerator", timeout.Token);
        // Ttm__LoadModelsAtStart from accelerator.env: startup and readiness wait for the networks.
        Assert.Equal(HttpStatusCode.OK, await ProbeUntil(silo, HealthProbes.Startup, HttpStatusCode.OK, TimeSpan.FromMinutes(2)));
        Assert.Equal(HttpStatusCode.OK, await ProbeUntil(silo, HealthProbes.Ready, HttpStatusCode.OK, TimeSpan.FromMinutes(1)));
        Assert.Equal(HttpStatusCode.OK, await Probe(silo, HealthProbes.Live));
        Assert.Contains(silo.Output(), l => l.Contains("networks loaded on cpu:0"));

        int port = LocalCluster.FreePort();
        var gateway = await cluster.StartGatewayAsync(port, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, await ProbeUntil(gateway, HealthProbes.Ready, HttpStatusCode.OK, TimeSpan.FromMinutes(1)));
        using (var http = new HttpClient())
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"http://127.0.0.1:{gateway.HealthPort}/metrics")).StatusCode);

        using var channel = TtmChannel.Create($"http://127.0.0.1:{port}", await cluster.TenantKeyAsync("acme"));
        var health = new Grpc.Health.V1.Health.HealthClient(channel);
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new())).Status);
        var events = await SampleRequests.RunAsync(new Protos.V1.GenerationService.GenerationServiceClient(channel), SampleRequests.Small(steps: 2));
        Assert.True(events[^1].EventCase == GenerationEvent.EventOneofCase.Completed, events[^1].ToString());
        Assert.Contains(events, e => e.EventCase == GenerationEvent.EventOneofCase.VideoChunk);

        // The silo gone, the gateway stops being ready (a platform routes no new calls to it) and says so at once.
        silo.Kill();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await ProbeUntil(gateway, HealthProbes.Ready, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30)));
        Assert.Equal(HttpStatusCode.OK, await Probe(gateway, HealthProbes.Live));
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new())).Status);
    }
}
