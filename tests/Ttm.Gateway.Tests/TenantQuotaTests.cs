using Grpc.Core;
using Ttm.Protos.V1;
using ServiceClient = Ttm.Protos.V1.GenerationService.GenerationServiceClient;

namespace Ttm.Gateway.Tests;

/// <summary>
/// Each tenant limit through the real server (the fixture gives one tenant per limit a tight value): over it, the call
/// is RESOURCE_EXHAUSTED naming the limit, with a retry-after trailer; under it again, the tenant is admitted.
/// </summary>
public sealed class TenantQuotaTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    static GenerateRequest Request(int steps = 1) => SampleRequests.Small(steps, seed: 5);

    static Task<List<GenerationEvent>> Run(ServiceClient client, GenerateRequest request) => SampleRequests.RunAsync(client, request);

    static void AssertExhausted(RpcException e, string limit, string advice = "retry")
    {
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal(limit, e.Trailers.GetValue("ttm-limit"));
        Assert.Contains(advice, e.Status.Detail);
    }

    /// <summary>Until a Generate is refused (what an ended generation counts reaches the tenant's grain just after its last event).</summary>
    static async Task<RpcException> RefusedWithin(ServiceClient client, TimeSpan within)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await Run(client, Request());
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                return e;
            }
            Assert.True(clock.Elapsed < within, $"no refusal within {within.TotalSeconds} s");
        }
    }

    [Fact]
    public async Task ConcurrentGenerations_OverTheLimit_AreRefused_UntilOneEnds()
    {
        var client = await server.TenantAsync("quota-concurrent");
        using var first = client.Generate(Request(steps: 12), deadline: DateTime.UtcNow.AddMinutes(3));
        Assert.True(await first.ResponseStream.MoveNext()); // accepted: it holds the tenant's one slot
        var refused = await Assert.ThrowsAsync<RpcException>(() => Run(client, Request()));
        AssertExhausted(refused, "concurrent generations");
        Assert.NotNull(refused.Trailers.GetValue("retry-after"));
        while (await first.ResponseStream.MoveNext()) { }
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, (await Run(client, Request()))[^1].EventCase); // its slot is free again
    }

    [Fact]
    public async Task StepsPerRequest_OverTheLimit_AreRefusedBeforeAnythingIsStored()
    {
        var client = await server.TenantAsync("quota-steps");
        AssertExhausted(await Assert.ThrowsAsync<RpcException>(() => Run(client, Request(steps: 3))), "steps per request", "ask for fewer");
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, (await Run(client, Request(steps: 2)))[^1].EventCase);
        Assert.Single((await client.ListAsync(new ListRequest())).Generations);
    }

    [Fact]
    public async Task RequestsPerMinute_OverTheLimit_AreRefusedWithRetryAfter_AndOtherTenantsAreNot()
    {
        var client = await server.TenantAsync("quota-rate");
        for (int i = 0; i < 3; i++) await client.ListAsync(new ListRequest());
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.ListAsync(new ListRequest()));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("requests per minute", refused.Status.Detail);
        // The same in google.rpc's rich details: the limit met (QuotaFailure) and when to retry (RetryInfo, as the trailer says).
        var status = refused.GetRpcStatus()!;
        Assert.Equal("requests per minute", Assert.Single(status.GetDetail<Google.Rpc.QuotaFailure>()!.Violations).Subject);
        Assert.Equal(int.Parse(refused.Trailers.GetValue("retry-after")!), (int)status.GetDetail<Google.Rpc.RetryInfo>()!.RetryDelay.ToTimeSpan().TotalSeconds);
        Assert.Equal("requests per minute", refused.Trailers.GetValue("ttm-limit"));
        // A second key of the same tenant shares its budget; another tenant has its own.
        var sameTenant = await server.TenantAsync("quota-rate");
        Assert.Equal(StatusCode.ResourceExhausted, (await Assert.ThrowsAsync<RpcException>(async () => await sameTenant.ListAsync(new ListRequest()))).StatusCode);
        await server.Client.ListAsync(new ListRequest());
    }

    [Fact]
    public async Task StoredBytes_OverTheLimit_AreRefused_UntilTheTenantDeletes()
    {
        var client = await server.TenantAsync("quota-stored");
        var refused = await RefusedWithin(client, TimeSpan.FromSeconds(60));
        AssertExhausted(refused, "stored bytes");
        foreach (var g in (await client.ListAsync(new ListRequest())).Generations)
            Assert.True((await client.DeleteAsync(new DeleteRequest { GenerationId = g.GenerationId })).BytesFreed > 0);
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, (await Run(client, Request()))[^1].EventCase);
    }

    [Fact]
    public async Task DeviceSecondsPerDay_OverTheLimit_AreRefused_UntilMidnightUtc()
    {
        var client = await server.TenantAsync("quota-device");
        var refused = await RefusedWithin(client, TimeSpan.FromSeconds(60));
        AssertExhausted(refused, "device-seconds per day");
        int retryAfter = int.Parse(refused.Trailers.GetValue("retry-after")!);
        var midnight = (DateTime.UtcNow.Date.AddDays(1) - DateTime.UtcNow).TotalSeconds;
        Assert.InRange(retryAfter, midnight - 120, midnight + 120);
    }
}
