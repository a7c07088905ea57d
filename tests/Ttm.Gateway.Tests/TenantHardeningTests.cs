using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using GenerationLimits = Ttm.Grains.GenerationLimits;
using Ttm.Protos;
using Ttm.Protos.V1;
using ServiceClient = Ttm.Protos.V1.GenerationService.GenerationServiceClient;

namespace Ttm.Gateway.Tests;

/// <summary>
/// What a hostile tenant tries, through the real server: oversized fields, reused request ids with other images, uploads
/// that never run, cancelled runs that should be free, simultaneous requests past a limit, injected JWT claims, and the
/// smaller doors (operator password guessing, anonymous floods, reflection, the page's headers, truncated images).
/// </summary>
public sealed class TenantHardeningTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    static Task<List<GenerationEvent>> Run(ServiceClient client, GenerateRequest request) => SampleRequests.RunAsync(client, request);

    static Metadata Operator => new() { { "authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"ops:{ServerFixture.OpsPassword}")) } };

    static long SizeOf(string folder) =>
        Directory.Exists(folder) ? new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    /// <summary>The sample PNG's signature and header (128×128) followed by <paramref name="bytes"/> of zeros: a valid header, an undecodable body.</summary>
    static byte[] HeaderThenJunk(int bytes)
    {
        var image = new byte[33 + bytes];
        SampleRequests.Sample.AsSpan(0, 33).CopyTo(image); // signature (8) + IHDR chunk (25)
        return image;
    }

    async Task<TenantUsage> UsageOf(string tenant)
    {
        var ops = new OpsService.OpsServiceClient(TtmChannel.Create(server.Address, null));
        return (await ops.ListTenantsAsync(new ListTenantsRequest(), Operator)).Tenants.Single(t => t.Tenant == tenant);
    }

    async Task<TenantUsage> UsageWhen(string tenant, Func<TenantUsage, bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var usage = await UsageOf(tenant);
            if (condition(usage)) return usage;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"tenant {tenant}'s usage stayed {usage}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task ACancelReason_PastItsBound_IsInvalidArgument_AndOneWithinIsStoredWhole()
    {
        var client = await server.TenantAsync("hard-reason");
        using var call = client.Generate(SampleRequests.Small(steps: 40), deadline: DateTime.UtcNow.AddMinutes(3));
        Assert.True(await call.ResponseStream.MoveNext());
        var id = call.ResponseStream.Current.GenerationId;
        foreach (var reason in new[] { new string('x', 5 * 1024 * 1024), new string('x', GenerationLimits.MaxCancelReasonCharacters + 1), "stop\u0000now" })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.CancelAsync(new CancelRequest { GenerationId = id, Reason = reason }));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        }
        var longest = new string('y', GenerationLimits.MaxCancelReasonCharacters);
        await client.CancelAsync(new CancelRequest { GenerationId = id, Reason = longest });
        var events = new List<GenerationEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
        Assert.Equal(longest, events[^1].Cancelled.Reason);
    }

    [Fact]
    public async Task ARequestIdReused_WithA20MegabyteImage_IsAlreadyExists_AndLeavesTheStoreAsItWas()
    {
        var client = await server.TenantAsync("hard-reuse");
        var request = SampleRequests.Small(steps: 1);
        request.RequestId = "order-1";
        var id = (await Run(client, request))[0].GenerationId;
        var usage = await UsageWhen("hard-reuse", u => u.InFlight == 0 && u.StoredBytes > 0);
        long folder = SizeOf(Path.Combine(server.Store, id)), store = SizeOf(server.Store);
        Assert.Equal(folder, usage.StoredBytes); // what the operator sees is what is on disk

        var big = request.Clone();
        big.Image = ByteString.CopyFrom(HeaderThenJunk(20 * 1024 * 1024));
        Assert.Equal(StatusCode.AlreadyExists, (await Assert.ThrowsAsync<RpcException>(() => Run(client, big))).StatusCode);
        var otherPrompt = request.Clone();
        otherPrompt.Prompt = "The white square slides down.";
        Assert.Equal(StatusCode.AlreadyExists, (await Assert.ThrowsAsync<RpcException>(() => Run(client, otherPrompt))).StatusCode);
        Assert.Equal((folder, store), (SizeOf(Path.Combine(server.Store, id)), SizeOf(server.Store)));
        Assert.Equal((folder, 1L), ((await UsageOf("hard-reuse")).StoredBytes, (await UsageOf("hard-reuse")).Generations));
        // The same request again is the same generation (a retry), and stores nothing either.
        Assert.Equal(id, (await Run(client, request))[0].GenerationId);
        Assert.Equal(store, SizeOf(server.Store));
    }

    [Fact]
    public async Task ACancelledUndecodableUpload_LeavesNothingBehind_WithinASecond_AndARefusedOneNothingAtAll()
    {
        var client = await server.TenantAsync("hard-upload");
        var request = SampleRequests.Small();
        request.Image = ByteString.CopyFrom(HeaderThenJunk(30 * 1024 * 1024));
        request.DeadlineSeconds = 0.001;
        // Its deadline and its refusal race (the decoder may finish before the deadline's timer fires): either end is
        // right, and either must leave nothing behind.
        string? id = null;
        using (var call = client.Generate(request, deadline: DateTime.UtcNow.AddMinutes(3)))
        {
            try
            {
                await foreach (var e in call.ResponseStream.ReadAllAsync())
                {
                    id ??= e.GenerationId;
                    Assert.True(e.EventCase is GenerationEvent.EventOneofCase.Accepted or GenerationEvent.EventOneofCase.Cancelled, $"{e.EventCase}");
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument && id is not null) { }
        }
        var folder = Path.Combine(server.Store, id!);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (SizeOf(folder) > 0 && clock.Elapsed < TimeSpan.FromSeconds(1)) await Task.Delay(20);
        Assert.Equal(0, SizeOf(folder));

        request.DeadlineSeconds = 0;
        long before = SizeOf(server.Store);
        var refused = await Assert.ThrowsAsync<RpcException>(() => Run(client, request));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(before, SizeOf(server.Store));
        var usage = await UsageWhen("hard-upload", u => u.InFlight == 0);
        Assert.Equal(0, usage.StoredBytes);
    }

    [Fact]
    public async Task ACancelledRunsDeviceSeconds_ShowInListTenants_AndCountTowardItsLimit()
    {
        var client = await server.TenantAsync("hard-device");
        using (var call = client.Generate(SampleRequests.Small(steps: 30), deadline: DateTime.UtcNow.AddMinutes(3)))
        {
            string? id = null;
            await foreach (var e in call.ResponseStream.ReadAllAsync())
            {
                id ??= e.GenerationId;
                if (e.EventCase == GenerationEvent.EventOneofCase.MotionDone) await client.CancelAsync(new CancelRequest { GenerationId = id });
                Assert.NotEqual(GenerationEvent.EventOneofCase.Completed, e.EventCase);
            }
        }
        var usage = await UsageWhen("hard-device", u => u.DeviceSecondsToday > 0.5);
        Assert.Equal(0, usage.InFlight);
        var refused = await Assert.ThrowsAsync<RpcException>(() => Run(client, SampleRequests.Small()));
        Assert.Equal((StatusCode.ResourceExhausted, "device-seconds per day"), (refused.StatusCode, refused.Trailers.GetValue("ttm-limit")));
    }

    [Theory]
    [InlineData("hard-one", 1)]
    [InlineData("hard-three", 3)]
    public async Task SixteenSimultaneousRequests_NeverOverlapMoreThanTheLimit(string tenant, int limit)
    {
        var client = await server.TenantAsync(tenant);
        using var start = new SemaphoreSlim(0);
        var calls = Enumerable.Range(0, 16).Select(async i =>
        {
            await start.WaitAsync();
            try
            {
                var events = await Run(client, SampleRequests.Small(steps: 4, seed: i));
                return ((DateTime From, DateTime To)?)(events[0].Time.ToDateTime(), events[^1].Time.ToDateTime());
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                return null;
            }
        }).ToList();
        start.Release(16);
        var runs = (await Task.WhenAll(calls)).OfType<(DateTime From, DateTime To)>().ToList();
        Assert.InRange(runs.Count, 1, 16);
        int most = runs.Max(r => runs.Count(o => o.From <= r.From && r.From <= o.To));
        Assert.True(most <= limit, $"{most} generations of tenant {tenant} ran at once; its limit is {limit}");
        Assert.Equal(0, (await UsageWhen(tenant, u => u.InFlight == 0)).InFlight);
    }

    static string Token(params (string Type, string Value)[] claims) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = ServerFixture.JwtIssuer, Audience = ServerFixture.JwtAudience, Expires = DateTime.UtcNow.AddMinutes(5),
        Subject = new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)).Prepend(new Claim("sub", "user-1"))),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(ServerFixture.JwtKey), SecurityAlgorithms.HmacSha256),
    });

    [Fact]
    public async Task AJwtNamingASecondTenant_OrAnInvalidName_IsUnauthenticated_AndReadsNothing()
    {
        var victim = await server.TenantAsync("hard-victim");
        await Run(victim, SampleRequests.Small());
        foreach (var (token, why) in new[]
                 {
                     (Token(("org", "hard-acme"), ("ttm:tenant", "hard-victim")), "the server's own tenant claim besides its org"),
                     (Token(("org", "hard-acme"), ("org", "hard-victim")), "two org claims"),
                     (Token(("org", "a/b c")), "a tenant name with a slash and a space"),
                     (Token(("org", "Hard-Victim")), "upper case"),
                     (Token(("ttm:tenant", "hard-victim")), "only the server's claim"),
                 })
        {
            var client = new ServiceClient(TtmChannel.Create(server.Address, token));
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.ListAsync(new ListRequest()));
            Assert.True(refused.StatusCode == StatusCode.Unauthenticated, $"a token with {why} got {refused.StatusCode}");
        }
        var acme = new ServiceClient(TtmChannel.Create(server.Address, Token(("org", "hard-acme"))));
        Assert.Empty((await acme.ListAsync(new ListRequest())).Generations);
    }

    [Fact]
    public async Task Reflection_AnswersTenantsOnly()
    {
        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(TtmChannel.Create(server.Address, null));
        using var anonymous = reflection.ServerReflectionInfo();
        // The refusal may come back before the request is written: either step fails with it.
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await anonymous.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
            await anonymous.ResponseStream.MoveNext();
        })).StatusCode);

        using var asTenant = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(server.Channel).ServerReflectionInfo();
        await asTenant.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        Assert.True(await asTenant.ResponseStream.MoveNext());
        Assert.Contains(asTenant.ResponseStream.Current.ListServicesResponse.Service, s => s.Name == "ttm.v1.GenerationService");
        await asTenant.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task ThePage_SendsItsSecurityHeaders()
    {
        using var http = new HttpClient();
        foreach (var path in new[] { "/", "/page.js", "/samples/two-squares.png" })
        {
            using var response = await http.GetAsync(server.HttpAddress + path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("frame-ancestors 'none'", csp);
            Assert.Contains("default-src 'self'", csp);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        }
    }

    [Fact]
    public async Task ATruncatedPng_OfSignatureHeaderAndAFewBytes_IsInvalidArgument()
    {
        var client = await server.TenantAsync("hard-truncated");
        var request = SampleRequests.Small();
        request.Image = ByteString.CopyFrom(SampleRequests.Sample.AsSpan(0, 69));
        var refused = await Assert.ThrowsAsync<RpcException>(() => Run(client, request));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("truncated", refused.Status.Detail);
        Assert.Equal(0, (await UsageWhen("hard-truncated", u => u.InFlight == 0)).StoredBytes);
    }

    [Fact]
    public async Task SummaryJson_NamesItsArtifactsRelatively_NoServerPath()
    {
        var events = await Run(server.Client, SampleRequests.Small());
        var completed = events[^1].Completed;
        var summary = Path.Combine(server.Store, events[0].GenerationId, "outputs", "summary.json");
        var text = await File.ReadAllTextAsync(summary);
        Assert.DoesNotContain(server.Store, text);
        using var json = System.Text.Json.JsonDocument.Parse(text);
        foreach (var artifact in json.RootElement.GetProperty("artifacts").EnumerateObject())
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(summary)!, artifact.Value.GetString()!)) || Directory.Exists(Path.Combine(Path.GetDirectoryName(summary)!, artifact.Value.GetString()!)),
                $"{artifact.Name}: {artifact.Value}");
        Assert.NotNull(completed);
    }
}
