using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Ttm.Cli.Commands;
using Ttm.Protos.V1;

namespace Ttm.System.Tests;

/// <summary>Operations on the embedded server: the ops stream, Prometheus metrics, the dashboard, and who may see them.</summary>
public sealed class OpsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    static Metadata Operator(string password) => new()
    {
        { "authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"ops:{password}")) },
    };

    HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{server.OpsPort}") };

    async Task GenerateOne()
    {
        using var call = (await server.TenantAsync("tenant-ops")).Generate(new GenerateRequest
        {
            Image = ByteString.CopyFrom(await File.ReadAllBytesAsync(Path.Combine(ServerFixture.Root, "samples", "two-squares.png"))),
            Prompt = "The red square moves right while the white square slides down slowly.", Seed = 2, MotionSteps = 2, VideoSteps = 2, PreviewSize = 64,
        }, deadline: DateTime.UtcNow.AddMinutes(3));
        await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-password")]
    public async Task WatchCluster_WithoutTheOperatorPassword_IsUnauthenticated(string? password)
    {
        var client = new OpsService.OpsServiceClient(server.Channel);
        using var call = client.WatchCluster(new WatchClusterRequest(), password is null ? [] : Operator(password));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task WatchCluster_ShowsTheAcceleratorSilo_WithItsDeviceQueueAfterAGeneration()
    {
        await GenerateOne();
        var client = new OpsService.OpsServiceClient(Ttm.Protos.TtmChannel.Create(server.Address, null)); // an operator's channel carries no tenant key
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = client.WatchCluster(new WatchClusterRequest { IntervalSeconds = 0.2 }, Operator(ServerFixture.OpsPassword), cancellationToken: timeout.Token);
        ClusterView? seen = null;
        await foreach (var view in call.ResponseStream.ReadAllAsync(timeout.Token))
            if (view.Silos.Any(s => s.Queue is { Steps: >= 4 })) // at least this generation's 2 + 2 steps, whatever ran before
            {
                seen = view;
                break;
            }
        var silo = Assert.Single(seen!.Silos);
        Assert.Equal("accelerator", silo.Role);
        Assert.Equal("cpu:0", silo.Device);
        Assert.Empty(silo.Gpus);
        Assert.Contains("no GPU", silo.GpuStatus);
        Assert.Equal(Ttm.Pipeline.Devices.DeviceWorker.DefaultMaxBatch("cpu:0"), silo.Queue.MaxBatch);
        Assert.Contains("accelerator", OpsCommand.Render(seen)); // what `./ttm ops` prints
    }

    [Fact]
    public async Task Metrics_ArePublishedForPrometheus_ToTheOperator_WithDeviceSteps()
    {
        await GenerateOne();
        using var http = Http();
        string text = "";
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"ops:{ServerFixture.OpsPassword}")));
        for (int i = 0; i < 20 && !text.Contains("ttm_device_steps"); i++, await Task.Delay(500))
            text = await http.GetStringAsync("/metrics");
        Assert.Contains("ttm_device_steps", text);
        Assert.Contains("tenant=\"tenant-ops\"", text);
        Assert.Contains("ttm_device_batch_size", text);
    }

    [Fact]
    public async Task Dashboard_IsClosedToAnonymousUsers_AndOpenToTheOperator()
    {
        using var http = Http();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/dashboard")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"ops:{ServerFixture.OpsPassword}")));
        var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"the operator got {(int)response.StatusCode}");
    }

    [Fact]
    public async Task ListTenants_ShowsEachTenantsUsage_ToTheOperatorOnly()
    {
        var tenant = $"usage-{Guid.NewGuid():N}"[..20];
        using (var call = (await server.TenantAsync(tenant)).Generate(new GenerateRequest
               {
                   Image = ByteString.CopyFrom(await File.ReadAllBytesAsync(Path.Combine(ServerFixture.Root, "samples", "two-squares.png"))),
                   Prompt = "The red square moves right.", Seed = 2, MotionSteps = 2, VideoSteps = 2, PreviewSize = 64,
               }, deadline: DateTime.UtcNow.AddMinutes(3)))
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
        var ops = new OpsService.OpsServiceClient(Ttm.Protos.TtmChannel.Create(server.Address, null));
        TenantUsage? usage = null;
        for (int i = 0; i < 50 && usage is not { StoredBytes: > 0, DeviceSecondsToday: > 0 }; i++, await Task.Delay(200)) // the end reaches the tenant's grain just after the last event
            usage = (await ops.ListTenantsAsync(new ListTenantsRequest(), Operator(ServerFixture.OpsPassword))).Tenants.SingleOrDefault(t => t.Tenant == tenant);
        Assert.NotNull(usage);
        Assert.Equal((0, 1L, 1, 1), (usage.InFlight, usage.Generations, usage.StoredGenerations, usage.ActiveKeys));
        Assert.True(usage.StoredBytes > 0 && usage.DeviceSecondsToday > 0, $"stored {usage.StoredBytes} B, {usage.DeviceSecondsToday} device-seconds");

        var asTenant = new OpsService.OpsServiceClient(server.Channel);
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(async () => await asTenant.ListTenantsAsync(new ListTenantsRequest()))).StatusCode);
    }
}
