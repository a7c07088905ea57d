using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Grpc.Core;
using Ttm.Protos;
using Ttm.Protos.V1;
using ServiceClient = Ttm.Protos.V1.GenerationService.GenerationServiceClient;

namespace Ttm.Gateway.Tests;

/// <summary>
/// Floods from one address through the real server: operator password guesses and calls without a tenant credential.
/// Apart from the other hardening tests, since both limits are per address and every test calls from loopback.
/// </summary>
public sealed class AddressThrottleTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task OperatorPasswordGuesses_AreThrottledPerAddress_EvenTheRightOneAfterwards()
    {
        var ops = new OpsService.OpsServiceClient(TtmChannel.Create(server.Address, null));
        Metadata As(string password) => new() { { "authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"ops:{password}")) } };
        Assert.NotNull(await ops.ListTenantsAsync(new ListTenantsRequest(), As(ServerFixture.OpsPassword)));
        for (int i = 0; i < 30; i++)
            Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(async () =>
                await ops.ListTenantsAsync(new ListTenantsRequest(), As($"guess-{i}")))).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(async () =>
            await ops.ListTenantsAsync(new ListTenantsRequest(), As(ServerFixture.OpsPassword)))).StatusCode);
        using var http = new HttpClient();
        var dashboard = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{server.OpsPort}/metrics");
        dashboard.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"ops:{ServerFixture.OpsPassword}")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(dashboard)).StatusCode);
    }

    [Fact]
    public async Task CallsWithoutATenant_AreRateLimitedPerAddress_AndTenantsAreNot()
    {
        var anonymous = new ServiceClient(TtmChannel.Create(server.Address, null));
        var codes = new List<StatusCode>();
        for (int i = 0; i < 80 && !codes.Contains(StatusCode.ResourceExhausted); i++)
            codes.Add((await Assert.ThrowsAsync<RpcException>(async () => await anonymous.ListAsync(new ListRequest()))).StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, codes[^1]);
        Assert.All(codes[..^1], c => Assert.Equal(StatusCode.Unauthenticated, c));
        Assert.InRange(codes.Count, 2, 80);
        await server.Client.ListAsync(new ListRequest()); // a tenant's own budget is untouched
    }

}
