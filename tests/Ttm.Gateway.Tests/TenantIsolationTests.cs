using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Ttm.Protos;
using Ttm.Protos.V1;
using ServiceClient = Ttm.Protos.V1.GenerationService.GenerationServiceClient;

namespace Ttm.Gateway.Tests;

/// <summary>
/// Tenants through the real gRPC server: who is who comes from the credential only (an API key or a JWT), another
/// tenant's generation is NotFound on every RPC exactly as one that never existed, and operators are not tenants.
/// </summary>
public sealed class TenantIsolationTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    const string Never = "gen-00000000000000000000000000000000";

    static GenerateRequest Request() => SampleRequests.Small(seed: 3);

    static Task<List<GenerationEvent>> Run(ServiceClient client, GenerateRequest request, Metadata? headers = null) => SampleRequests.RunAsync(client, request, headers);

    static async Task<RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);

    static async Task Drain(AsyncServerStreamingCall<GenerationEvent> call)
    {
        using (call) await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
    }

    /// <summary>Every RPC that names a generation, as one client.</summary>
    static IEnumerable<(string Rpc, Func<Task> Call)> EveryRpcOn(ServiceClient client, string id, Metadata? headers = null) =>
    [
        ("Get", async () => await client.GetAsync(new GetRequest { GenerationId = id }, headers)),
        ("Watch", () => Drain(client.Watch(new WatchRequest { GenerationId = id }, headers))),
        ("Cancel", async () => await client.CancelAsync(new CancelRequest { GenerationId = id, Reason = "not yours" }, headers)),
        ("Delete", async () => await client.DeleteAsync(new DeleteRequest { GenerationId = id }, headers)),
    ];

    [Fact]
    public async Task AnotherTenant_GetsNotFoundOnEveryRpc_AsForAnIdThatNeverExisted_AndSpoofedHeadersChangeNothing()
    {
        var a = await server.TenantAsync($"tenant-a-{Guid.NewGuid():N}"[..30]);
        var b = await server.TenantAsync($"tenant-b-{Guid.NewGuid():N}"[..30]);
        var events = await Run(a, Request());
        var id = events[0].GenerationId;
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, events[^1].EventCase);
        var tenantA = (await a.GetAsync(new GetRequest { GenerationId = id })).Tenant;

        foreach (var spoof in new Metadata?[] { null, new() { { "x-tenant", tenantA } }, new() { { "x-tenant", tenantA }, { "tenant", tenantA } } })
            foreach (var ((rpc, call), (_, never)) in EveryRpcOn(b, id, spoof).Zip(EveryRpcOn(b, Never, spoof)))
            {
                var theirs = await Refused(call);
                var none = await Refused(never);
                Assert.True(theirs.StatusCode == StatusCode.NotFound, $"{rpc} on another tenant's id gave {theirs.StatusCode}");
                Assert.Equal(none.Status.Detail.Replace(Never, id), theirs.Status.Detail); // word for word what a missing id says
            }
        var listed = await b.ListAsync(new ListRequest());
        Assert.DoesNotContain(listed.Generations, g => g.GenerationId == id || g.Tenant == tenantA);

        // Nothing B did touched A's generation: it is still there, whole, for A.
        Assert.Equal("Completed", (await a.GetAsync(new GetRequest { GenerationId = id })).State);
        using var replay = a.Watch(new WatchRequest { GenerationId = id });
        Assert.Equal(events.Count, (await replay.ResponseStream.ReadAllAsync().ToListAsync()).Count);
    }

    [Fact]
    public async Task CallsWithoutAValidTenantCredential_AreUnauthenticated_OnEveryRpc()
    {
        var anonymous = new ServiceClient(TtmChannel.Create(server.Address, null));
        var madeUp = new ServiceClient(TtmChannel.Create(server.Address, "ttm_00000000_" + new string('A', 43)));
        var operatorBasic = new Metadata { { "authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"ops:{ServerFixture.OpsPassword}")) } };
        var notAKey = new Metadata { { "authorization", "Bearer not-a-key" } };
        foreach (var (client, headers, who) in new[] { (anonymous, (Metadata?)null, "anonymous"), (madeUp, null, "a made-up key"),
                     (anonymous, operatorBasic, "the operator"), (anonymous, notAKey, "a malformed bearer"), (anonymous, new Metadata { { "x-tenant", "default" } }, "x-tenant alone") })
        {
            var calls = EveryRpcOn(client, Never, headers).Append(("Generate", () => Run(client, Request(), headers)))
                .Append(("List", async () => await client.ListAsync(new ListRequest(), headers)));
            foreach (var (rpc, call) in calls)
                Assert.True((await Refused(call)).StatusCode == StatusCode.Unauthenticated, $"{rpc} by {who} was not Unauthenticated");
        }
    }

    [Fact]
    public async Task ARevokedKey_StopsWorkingWithinSeconds_AndARotatedTenantKeepsItsGenerations()
    {
        var tenant = $"tenant-rot-{Guid.NewGuid():N}"[..30];
        var (_, oldKey) = await server.Keys.CreateAsync(tenant);
        var old = new ServiceClient(TtmChannel.Create(server.Address, oldKey));
        var id = (await Run(old, Request()))[0].GenerationId;

        var (_, newKey, revoked) = await server.Keys.RotateAsync(tenant);
        Assert.Single(revoked);
        var refusedAt = DateTime.UtcNow;
        RpcException? refusal = null;
        while (refusal is null && DateTime.UtcNow - refusedAt < TimeSpan.FromSeconds(10))
        {
            try { await old.ListAsync(new ListRequest()); await Task.Delay(200); }
            catch (RpcException e) { refusal = e; }
        }
        Assert.NotNull(refusal);
        Assert.Equal(StatusCode.Unauthenticated, refusal.StatusCode);
        var rotated = new ServiceClient(TtmChannel.Create(server.Address, newKey));
        Assert.Equal("Completed", (await rotated.GetAsync(new GetRequest { GenerationId = id })).State);
    }

    [Fact]
    public async Task AJwtFromThePlatformsIdentityProvider_IsItsTenantClaimsTenant_AndABadOneIsUnauthenticated()
    {
        string Token(string? org, string issuer = ServerFixture.JwtIssuer, byte[]? key = null, DateTime? expires = null) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer, Audience = ServerFixture.JwtAudience, Expires = expires ?? DateTime.UtcNow.AddMinutes(5),
            Subject = new ClaimsIdentity(org is null ? [new Claim("sub", "user-1")] : [new Claim("sub", "user-1"), new Claim("org", org)]),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? ServerFixture.JwtKey), SecurityAlgorithms.HmacSha256),
        });
        ServiceClient As(string token) => new(TtmChannel.Create(server.Address, token));

        var org = $"org-{Guid.NewGuid():N}"[..20];
        var viaJwt = As(Token(org));
        var id = (await Run(viaJwt, Request()))[0].GenerationId;
        Assert.Equal(org, (await viaJwt.GetAsync(new GetRequest { GenerationId = id })).Tenant);
        // The same tenant through an API key sees it too; the JWT's tenant is the claim's, nothing else.
        var keyed = await server.TenantAsync(org);
        Assert.Contains((await keyed.ListAsync(new ListRequest())).Generations, g => g.GenerationId == id);

        foreach (var (token, why) in new[] { (Token(null), "no tenant claim"), (Token("Not A Tenant!"), "an invalid tenant"), (Token(org, issuer: "https://evil.test"), "another issuer"),
                     (Token(org, key: System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), "another key"), (Token(org, expires: DateTime.UtcNow.AddMinutes(-5)), "expired") })
            Assert.True((await Refused(async () => await As(token).ListAsync(new ListRequest()))).StatusCode == StatusCode.Unauthenticated, $"a token with {why} got in");
    }

    [Fact]
    public async Task OperatorsAreNoTenants_AndTenantsNoOperators_MetricsAndDashboardOnlyOnTheOpsListenerForOperators()
    {
        // A tenant's key on the ops stream: Unauthenticated.
        var ops = new OpsService.OpsServiceClient(server.Channel);
        using var watch = ops.WatchCluster(new WatchClusterRequest());
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext())).StatusCode);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.OpsPort}") };
        foreach (var path in new[] { "/metrics", "/dashboard" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(path)).StatusCode);
            using var asTenant = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", server.Key) } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(asTenant)).StatusCode);
        }
        using var asOperator = new HttpRequestMessage(HttpMethod.Get, "/metrics")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"ops:{ServerFixture.OpsPassword}"))) },
        };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(asOperator)).StatusCode);
    }

    [Fact]
    public async Task TheEmbeddedKeyFile_IsTheOwnersAlone()
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("file modes are Unix's");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(server.LocalKeyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(server.Store, "tenant-keys.json")));
        var stored = await File.ReadAllTextAsync(Path.Combine(server.Store, "tenant-keys.json"));
        Assert.DoesNotContain(server.Key, stored); // only hashes
        Assert.Contains(Gateway.Tenants.ApiKey.Hash(server.Key), stored);
    }
}
