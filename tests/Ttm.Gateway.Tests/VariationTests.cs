using System.Net.Http.Json;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Ttm.Grains;
using Ttm.Protos.V1;
using Xunit.Abstractions;
using GenerationEvent = Ttm.Protos.V1.GenerationEvent;

namespace Ttm.Gateway.Tests;

/// <summary>
/// Variations through the real server: Vary renders another video from a generation's stored trajectory with another seed,
/// as a generation of its own (id, log, slot, charges) that names its source, without planning, segmenting or stage 1; a
/// source that is not the caller's is NotFound, one without a trajectory FailedPrecondition, and a variation outlives its
/// source's deletion.
/// </summary>
public sealed class VariationTests(ServerFixture server, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    /// <summary>A preview every step but the last: a stage-1 step a variation ran would show as a motion preview.</summary>
    static GenerateRequest Source(long seed, int motionSteps = 2, int videoSteps = 2, bool stopAfterMotion = false)
    {
        var request = SampleRequests.Small(seed: seed);
        (request.MotionSteps, request.VideoSteps, request.PreviewEvery, request.StopAfterMotion) = (motionSteps, videoSteps, 1, stopAfterMotion);
        request.Formats.Add([VideoFormat.Mp4, VideoFormat.PngFrames]);
        return request;
    }

    static async Task<List<GenerationEvent>> VaryAsync(Protos.V1.GenerationService.GenerationServiceClient client, VaryRequest request)
    {
        using var call = client.Vary(request, deadline: DateTime.UtcNow.AddMinutes(3));
        var events = new List<GenerationEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
        return events;
    }

    async Task<Ttm.Grains.TenantUsage> UsageOf(string tenant) => await server.Services.GetRequiredService<IClusterClient>().GetGrain<ITenantGrain>(tenant).GetUsageAsync();

    /// <summary>
    /// The tenant's usage once <paramref name="settled"/> holds, or as it is after 20 s: a run's slot is freed, and its device
    /// time charged, just after its last event went out (the device stages charge once their work has stopped).
    /// </summary>
    async Task<Ttm.Grains.TenantUsage> SettledUsageOf(string tenant, Func<Ttm.Grains.TenantUsage, bool> settled)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        var usage = await UsageOf(tenant);
        while (!settled(usage) && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
            usage = await UsageOf(tenant);
        }
        return usage;
    }

    /// <summary>Every PNG frame of a completed generation, in order, as one byte string of their pixels.</summary>
    byte[] FramePixels(GenerationEvent completed) =>
        Directory.GetFiles(Path.Combine(server.Store, completed.Completed.Artifacts["png_frames"]), "*.png").Order()
            .SelectMany(f => Ttm.Pipeline.Images.ImageInput.Decode(File.ReadAllBytes(f)).Pixels).ToArray();

    string VariationTrajectory(string id) => Assert.Single(Directory.GetFiles(Path.Combine(server.Store, id), "motion.bin", SearchOption.AllDirectories));

    [Fact]
    public async Task AVariation_RunsTheVideoStageOnlyOnTheSourcesTrajectory_AndDiffersOnlyByItsSeed()
    {
        var client = await server.TenantAsync("vary");
        var first = await SampleRequests.RunAsync(client, Source(seed: 1));
        string source = first[0].GenerationId;
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, first[^1].EventCase);
        var before = await UsageOf("vary");

        var variation = await VaryAsync(client, new VaryRequest { SourceId = source, Seed = long.MaxValue });
        string id = variation[0].GenerationId;
        Assert.NotEqual(source, id);
        Assert.Equal(source, variation[0].Accepted.VariationOf);
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, variation[^1].EventCase);
        Assert.Equal(variation.Select(e => e.Seq), Enumerable.Range(1, variation.Count).Select(i => (long)i)); // its own log, from 1
        // Neither plan, segmentation nor a single stage-1 step; the video's steps previewed as the source's were.
        Assert.DoesNotContain(variation, e => e.EventCase is GenerationEvent.EventOneofCase.Plan or GenerationEvent.EventOneofCase.Segmentation
            or GenerationEvent.EventOneofCase.MotionPreview or GenerationEvent.EventOneofCase.MotionDone);
        Assert.Equal([1], first.Where(e => e.EventCase == GenerationEvent.EventOneofCase.MotionPreview).Select(e => e.MotionPreview.Step));
        Assert.Equal([1], variation.Where(e => e.EventCase == GenerationEvent.EventOneofCase.VideoPreview).Select(e => e.VideoPreview.Step));
        output.WriteLine($"source seconds: {first[^1].Completed.Seconds}; variation seconds: {variation[^1].Completed.Seconds}");

        // The same trajectory, another seed: other video frames.
        Assert.Equal(File.ReadAllBytes(Path.Combine(server.Store, GenerationContinuation.TrajectoryKeyOf(source))), File.ReadAllBytes(VariationTrajectory(id)));
        Assert.NotEqual(FramePixels(first[^1]), FramePixels(variation[^1]));

        var status = await client.GetAsync(new GetRequest { GenerationId = id });
        Assert.Equal(("Completed", source), (status.State, status.VariationOf));
        Assert.Equal("", (await client.GetAsync(new GetRequest { GenerationId = source })).VariationOf);
        Assert.Contains((await client.ListAsync(new ListRequest())).Generations, g => g.GenerationId == id);
        // A generation of its own: admitted, its device-seconds and its copies' bytes charged.
        var after = await SettledUsageOf("vary", u => u.InFlight == 0 && u.DeviceSecondsToday > before.DeviceSecondsToday);
        Assert.Equal((before.Generations + 1, 0), (after.Generations, after.InFlight));
        Assert.True(after.DeviceSecondsToday > before.DeviceSecondsToday, $"device-seconds {before.DeviceSecondsToday} before the variation, {after.DeviceSecondsToday} after");
        Assert.True(after.StoredBytes > before.StoredBytes + new FileInfo(VariationTrajectory(id)).Length,
            $"stored bytes {before.StoredBytes} before the variation, {after.StoredBytes} after");
    }

    [Fact]
    public async Task Vary_OfAForeignUnknownOrCancelledSource_IsRefused_AndARequestIdIsOneVariation()
    {
        var client = await server.TenantAsync("vary-refused");
        var first = await SampleRequests.RunAsync(client, Source(seed: 2, motionSteps: 1, videoSteps: 1, stopAfterMotion: true));
        string source = first[0].GenerationId;
        Assert.Equal(GenerationEvent.EventOneofCase.AwaitingReview, first[^1].EventCase);

        var stranger = await server.TenantAsync("vary-stranger");
        var hidden = await Assert.ThrowsAsync<RpcException>(() => VaryAsync(stranger, new VaryRequest { SourceId = source, Seed = 3 }));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => VaryAsync(client, new VaryRequest { SourceId = "gen-" + new string('0', 32), Seed = 3 }));
        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (hidden.StatusCode, unknown.StatusCode));
        Assert.Equal(hidden.Status.Detail.Replace(source, "ID"), unknown.Status.Detail.Replace("gen-" + new string('0', 32), "ID")); // no existence leak
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => VaryAsync(client, new VaryRequest { SourceId = "../etc" }))).StatusCode);
        Assert.Equal(0, (await UsageOf("vary-stranger")).Generations);

        // A source awaiting review can be varied; the same request id and request again is the same variation, with another seed ALREADY_EXISTS.
        var varied = await VaryAsync(client, new VaryRequest { SourceId = source, Seed = long.MinValue, RequestId = "v1" });
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, varied[^1].EventCase);
        var again = await VaryAsync(client, new VaryRequest { SourceId = source, Seed = long.MinValue, RequestId = "v1" });
        Assert.Equal(varied.Select(e => (e.GenerationId, e.Seq, e.EventCase)), again.Select(e => (e.GenerationId, e.Seq, e.EventCase)));
        var reused = await Assert.ThrowsAsync<RpcException>(() => VaryAsync(client, new VaryRequest { SourceId = source, Seed = 4, RequestId = "v1" }));
        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);
        Assert.Equal("AwaitingReview", (await client.GetAsync(new GetRequest { GenerationId = source })).State); // varying it leaves the review be

        await client.CancelAsync(new CancelRequest { GenerationId = source });
        var usage = await UsageOf("vary-refused");
        var refused = await Assert.ThrowsAsync<RpcException>(() => VaryAsync(client, new VaryRequest { SourceId = source, Seed = 5 }));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("is Cancelled", refused.Status.Detail);
        Assert.Contains("completed generation or one awaiting review", refused.Status.Detail);
        Assert.Equal((usage.Generations, usage.InFlight), ((await UsageOf("vary-refused")).Generations, (await UsageOf("vary-refused")).InFlight));
    }

    [Fact]
    public async Task OverRestAndTheClient_AVariationIsAJobNamingItsSource_AndAnotherTenantsSourceIs404()
    {
        using var client = new Ttm.Client.TtmClient(new Ttm.Client.TtmClientOptions { Address = server.Address, ApiKey = server.Key });
        var first = await client.GenerateAsync(Source(seed: 10, motionSteps: 1, videoSteps: 1)).ToListAsync();
        string source = first[0].GenerationId;
        var varied = await client.VaryAsync(new VaryRequest { SourceId = source, Seed = 11 }).ToListAsync();
        Assert.Equal((source, GenerationEvent.EventOneofCase.Completed), (varied[0].Accepted.VariationOf, varied[^1].EventCase));

        using var http = new HttpClient { BaseAddress = new Uri(server.HttpAddress) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", server.Key);
        var created = await http.PostAsJsonAsync($"/v1/videos/{source}/variations", new { seed = 12, request_id = "rest-variation" });
        Assert.Equal(System.Net.HttpStatusCode.OK, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!;
        string id = job["id"]!.GetValue<string>();
        Assert.Equal(source, job["variation_of"]!.GetValue<string>());
        Assert.NotEqual(source, id);
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, (await client.WatchAsync(id).ToListAsync())[^1].EventCase);
        var again = await http.PostAsJsonAsync($"/v1/videos/{source}/variations", new { seed = 12, request_id = "rest-variation" });
        Assert.Equal(id, (await again.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<string>());

        var (_, strangerKey) = await server.Keys.CreateAsync("vary-rest-stranger");
        using var stranger = new HttpClient { BaseAddress = new Uri(server.HttpAddress) };
        stranger.DefaultRequestHeaders.Authorization = new("Bearer", strangerKey);
        var hidden = await stranger.PostAsJsonAsync($"/v1/videos/{source}/variations", new { seed = 13 });
        Assert.Equal(System.Net.HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal("not_found", (await hidden.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeletingTheSource_WhileAVariationRuns_LeavesItWhole_AndCancellingOne_EndsItCharged()
    {
        var client = await server.TenantAsync("vary-delete");
        // Enough video steps that a Cancel sent at the first preview lands before the last, on a loaded machine too.
        var first = await SampleRequests.RunAsync(client, Source(seed: 6, motionSteps: 1, videoSteps: 30, stopAfterMotion: true));
        string source = first[0].GenerationId;

        // Cancelled at its first video preview: it ends cancelled in the video stage, its slot freed, its device time charged.
        var usage = await UsageOf("vary-delete");
        using (var call = client.Vary(new VaryRequest { SourceId = source, Seed = 7 }, deadline: DateTime.UtcNow.AddMinutes(3)))
        {
            var seen = new List<GenerationEvent>();
            await foreach (var e in call.ResponseStream.ReadAllAsync())
            {
                seen.Add(e);
                if (e.EventCase == GenerationEvent.EventOneofCase.VideoPreview && seen.Count(s => s.EventCase == GenerationEvent.EventOneofCase.VideoPreview) == 1)
                    await client.CancelAsync(new CancelRequest { GenerationId = e.GenerationId, Reason = "not this one" });
            }
            Assert.Equal(GenerationEvent.EventOneofCase.Cancelled, seen[^1].EventCase);
            Assert.Equal("video", seen[^1].Cancelled.Stage);
        }
        var cancelled = await SettledUsageOf("vary-delete", u => u.InFlight == usage.InFlight && u.DeviceSecondsToday > usage.DeviceSecondsToday);
        Assert.Equal((usage.Generations + 1, usage.InFlight), (cancelled.Generations, cancelled.InFlight));
        Assert.True(cancelled.DeviceSecondsToday > usage.DeviceSecondsToday, "the cancelled variation's device steps were not charged");

        // The source deleted as soon as its variation is accepted: the variation runs on its own copies to the end.
        using var running = client.Vary(new VaryRequest { SourceId = source, Seed = 8 }, deadline: DateTime.UtcNow.AddMinutes(3));
        Assert.True(await running.ResponseStream.MoveNext(CancellationToken.None));
        string id = running.ResponseStream.Current.GenerationId;
        await client.DeleteAsync(new DeleteRequest { GenerationId = source });
        var rest = new List<GenerationEvent>();
        await foreach (var e in running.ResponseStream.ReadAllAsync()) rest.Add(e);
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, rest[^1].EventCase);
        Assert.False(Directory.Exists(Path.Combine(server.Store, source)));
        Assert.True(File.Exists(Path.Combine(server.Store, rest[^1].Completed.Artifacts["mp4"])));
        Assert.Equal(source, (await client.GetAsync(new GetRequest { GenerationId = id })).VariationOf);
        var gone = await Assert.ThrowsAsync<RpcException>(() => VaryAsync(client, new VaryRequest { SourceId = source, Seed = 9 }));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }
}
