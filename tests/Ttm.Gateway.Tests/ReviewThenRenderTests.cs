using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Ttm.Grains;
using Ttm.Pipeline.Images;
using Ttm.Protos.V1;
using Xunit.Abstractions;
using GenerationEvent = Ttm.Protos.V1.GenerationEvent;
using PathPoint = Ttm.Protos.V1.PathPoint;

namespace Ttm.Gateway.Tests;

/// <summary>
/// Review, then render, through the real server: Generate with stop_after_motion ends with the trajectory awaiting review;
/// Continue with one object's path edited runs the video stage on it, once, in the same event log; what is not the owner's,
/// not awaiting review, or a bad path is refused, and a refused Continue stores nothing.
/// </summary>
public sealed class ReviewThenRenderTests(ServerFixture server, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    const string TwoSquares = "The red square moves right while the white square slides down slowly.";

    static PathPoint At(float t, float x, float y) => new() { T = t, X = x, Y = y };

    static GenerateRequest StopAfterMotion(long seed = 1)
    {
        var request = SampleRequests.Small(steps: 2, seed: seed);
        request.Prompt = TwoSquares;
        request.StopAfterMotion = true;
        request.Formats.Add([VideoFormat.Mp4, VideoFormat.PngFrames]);
        return request;
    }

    static (float X, float Y) RedCentroid(RgbImage image) => SampleRequests.RedCentroid(image);

    static async Task<List<GenerationEvent>> ReadAll(IAsyncStreamReader<GenerationEvent> stream)
    {
        var events = new List<GenerationEvent>();
        await foreach (var e in stream.ReadAllAsync()) events.Add(e);
        return events;
    }

    static async Task<List<GenerationEvent>> ContinueAsync(Protos.V1.GenerationService.GenerationServiceClient client, ContinueRequest request)
    {
        using var call = client.Continue(request, deadline: DateTime.UtcNow.AddMinutes(3));
        return await ReadAll(call.ResponseStream);
    }

    static long SizeOf(string folder) =>
        Directory.Exists(folder) ? new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    async Task<Ttm.Grains.TenantUsage> UsageOf(string tenant) => await server.Services.GetRequiredService<IClusterClient>().GetGrain<ITenantGrain>(tenant).GetUsageAsync();

    [Fact]
    public async Task StopAfterMotion_ThenAnEditedPath_MovesTheRedSquareAlongIt_InOneLogWithoutGaps()
    {
        var client = await server.TenantAsync("review");
        var first = await SampleRequests.RunAsync(client, StopAfterMotion());
        string id = first[0].GenerationId;
        var review = first[^1];
        Assert.Equal(GenerationEvent.EventOneofCase.AwaitingReview, review.EventCase);
        Assert.Equal(["red square", "white square"], review.AwaitingReview.Objects);
        Assert.Equal((128, 128), (review.AwaitingReview.ImageWidth, review.AwaitingReview.ImageHeight));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], review.AwaitingReview.TrajectoryPng.ToByteArray()[..4]);
        Assert.Contains(first, e => e.EventCase == GenerationEvent.EventOneofCase.MotionDone);
        Assert.DoesNotContain(first, e => e.EventCase is GenerationEvent.EventOneofCase.VideoPreview or GenerationEvent.EventOneofCase.VideoChunk);
        var waiting = await client.GetAsync(new GetRequest { GenerationId = id });
        Assert.Equal(("AwaitingReview", "motion", review.Seq), (waiting.State, waiting.Stage, waiting.LastSeq));
        Assert.Contains((await client.ListAsync(new ListRequest())).Generations, g => g.GenerationId == id && g.State == "AwaitingReview");
        var afterMotion = await UsageOf("review");

        // The prompt says right; the edit drags the red square 40 px to the left instead, the white one keeps its reviewed motion.
        var (x, y) = RedCentroid(ImageInput.Decode(SampleRequests.Sample));
        var rest = await ContinueAsync(client, new ContinueRequest
        {
            GenerationId = id, Seed = 5, Paths = { new ObjectPath { Object = 0, Points = { At(0, x, y), At(1, x - 40, y) } } },
        });
        Assert.Equal(GenerationEvent.EventOneofCase.Continued, rest[0].EventCase);
        Assert.Equal(5, rest[0].Continued.Seed);
        Assert.Equal([0], rest[0].Continued.EditedObjects);
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, rest[^1].EventCase);
        // The second part neither plans, segments nor runs stage 1 again.
        Assert.DoesNotContain(rest, e => e.EventCase is GenerationEvent.EventOneofCase.Plan or GenerationEvent.EventOneofCase.Segmentation
            or GenerationEvent.EventOneofCase.MotionPreview or GenerationEvent.EventOneofCase.MotionDone);
        Assert.Equal(first.Concat(rest).Select(e => e.Seq), Enumerable.Range(1, first.Count + rest.Count).Select(i => (long)i));
        using (var watch = client.Watch(new WatchRequest { GenerationId = id }))
            Assert.Equal(first.Concat(rest).Select(e => (e.Seq, e.EventCase)), (await ReadAll(watch.ResponseStream)).Select(e => (e.Seq, e.EventCase)));

        var folder = Path.Combine(server.Store, rest[^1].Completed.Artifacts["png_frames"]);
        var frames = Directory.GetFiles(folder, "*.png").Order().Select(f => ImageInput.Decode(File.ReadAllBytes(f))).ToList();
        var redX = frames.Select(f => RedCentroid(f).X * 128f / f.Width).ToList();
        output.WriteLine($"red square x (image pixels) per frame: {string.Join(" ", redX.Select(v => v.ToString("F1")))}");
        Assert.True(redX[^1] - redX[0] < -10, $"the video's red object went from x {redX[0]:F1} to {redX[^1]:F1} (image pixels); the edited path goes 40 px left");

        // One generation: admitted once, the device-seconds of both parts charged.
        var done = await UsageOf("review");
        Assert.Equal((1L, 0), (done.Generations, done.InFlight));
        Assert.True(done.DeviceSecondsToday > afterMotion.DeviceSecondsToday, $"device-seconds {afterMotion.DeviceSecondsToday} after motion, {done.DeviceSecondsToday} after the video");
        Assert.Equal(1, afterMotion.InFlight); // in review it holds its slot
    }

    [Fact]
    public async Task Continue_OfAGenerationNotAwaitingReview_IsFailedPrecondition()
    {
        var client = await server.TenantAsync("review-plain");
        var request = SampleRequests.Small();
        var events = await SampleRequests.RunAsync(client, request);
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, events[^1].EventCase);
        var refused = await Assert.ThrowsAsync<RpcException>(() => ContinueAsync(client, new ContinueRequest { GenerationId = events[0].GenerationId }));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("is Completed", refused.Status.Detail);
        Assert.Contains("not awaiting review", refused.Status.Detail);
    }

    [Fact]
    public async Task TwoContinuesAtOnce_RunTheVideoOnce_AndAnotherTenantsContinue_IsNotFound()
    {
        var client = await server.TenantAsync("review-race");
        var first = await SampleRequests.RunAsync(client, StopAfterMotion(seed: 2));
        string id = first[0].GenerationId;

        var stranger = await server.TenantAsync("review-stranger");
        var hidden = await Assert.ThrowsAsync<RpcException>(() => ContinueAsync(stranger, new ContinueRequest { GenerationId = id }));
        Assert.Equal(StatusCode.NotFound, hidden.StatusCode);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            try
            {
                return (Events: await ContinueAsync(client, new ContinueRequest { GenerationId = id }), Error: (RpcException?)null);
            }
            catch (RpcException e)
            {
                return (Events: new List<GenerationEvent>(), Error: e);
            }
        }));
        var ran = Assert.Single(attempts, a => a.Error is null);
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, ran.Events[^1].EventCase);
        Assert.Equal(StatusCode.FailedPrecondition, Assert.Single(attempts, a => a.Error is not null).Error!.StatusCode);
        using var watch = client.Watch(new WatchRequest { GenerationId = id });
        var log = await ReadAll(watch.ResponseStream);
        Assert.Single(log, e => e.EventCase == GenerationEvent.EventOneofCase.Continued);
        Assert.Single(log, e => e.EventCase == GenerationEvent.EventOneofCase.Completed);
    }

    public static TheoryData<string, ObjectPath[]> BadEdits => new()
    {
        { "the plan has 2 objects", [new ObjectPath { Object = 5, Points = { At(0, 30, 60), At(1, 90, 60) } }] },
        { "objects are numbered from 0", [new ObjectPath { Object = -1, Points = { At(0, 30, 60), At(1, 90, 60) } }] },
        { "a second time", [new ObjectPath { Object = 0, Points = { At(0, 30, 60), At(1, 90, 60) } }, new ObjectPath { Object = 0, Points = { At(0, 30, 60), At(1, 40, 60) } }] },
        { "has 17 points", [new ObjectPath { Object = 0, Points = { Enumerable.Range(0, 17).Select(i => At(i / 16f, 30, 60)) } }] },
        { "has 0 points", [new ObjectPath { Object = 1 }] },
        { "times run from 0 to 1", [new ObjectPath { Object = 0, Points = { At(0, 30, 60), At(float.NaN, 90, 60) } }] },
        { "outside the image (128×128)", [new ObjectPath { Object = 1, Points = { At(0, 30, 60), At(1, 400, 60) } }] },
    };

    [Theory]
    [MemberData(nameof(BadEdits))]
    public async Task ABadEditedPath_IsInvalidArgumentSayingWhy_AndStoresNothing(string says, ObjectPath[] paths)
    {
        var client = await server.TenantAsync("review-bad");
        var first = await SampleRequests.RunAsync(client, StopAfterMotion(seed: 3));
        string id = first[0].GenerationId;
        long before = SizeOf(Path.Combine(server.Store, id));
        var request = new ContinueRequest { GenerationId = id };
        request.Paths.Add(paths);
        var refused = await Assert.ThrowsAsync<RpcException>(() => ContinueAsync(client, request));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains(says, refused.Status.Detail);
        var status = await client.GetAsync(new GetRequest { GenerationId = id });
        Assert.Equal(("AwaitingReview", first[^1].Seq), (status.State, status.LastSeq));
        Assert.Equal(before, SizeOf(Path.Combine(server.Store, id)));
        await client.DeleteAsync(new DeleteRequest { GenerationId = id });
    }

    /// <summary>One malformed Continue of kind <paramref name="kind"/> for generation <paramref name="id"/> (128×128, two objects), and its status.</summary>
    static (string What, ContinueRequest Request, StatusCode Expected) Malformed(string id, int kind, Random random)
    {
        float Odd() => new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -1f, 1e30f }[random.Next(5)];
        ObjectPath Path(int obj, params PathPoint[] points) => new() { Object = obj, Points = { points } };
        PathPoint Good(float t) => At(t, 10 + random.Next(100), 10 + random.Next(100));
        var r = new ContinueRequest { GenerationId = id };
        switch (kind)
        {
            case 0: r.Paths.Add(Path(random.Next(2, 8), Good(0), Good(1))); return ("an object the plan lacks", r, StatusCode.InvalidArgument);
            case 1: r.Paths.Add(Path(-random.Next(1, 1000), Good(0), Good(1))); return ("a negative object", r, StatusCode.InvalidArgument);
            case 2: r.Paths.Add(Path(random.Next(2), random.Next(2) == 0 ? [Good(0)] : Enumerable.Range(0, random.Next(17, 40)).Select(i => Good(i / 40f)).ToArray())); return ("too few or many points", r, StatusCode.InvalidArgument);
            case 3: r.Paths.Add(Path(random.Next(2), Good(0.5f), Good(random.Next(2) == 0 ? Odd() : 0.5f - random.NextSingle() / 2))); return ("time out of order", r, StatusCode.InvalidArgument);
            case 4: r.Paths.Add(Path(random.Next(2), Good(0), At(1, random.Next(2) == 0 ? Odd() : 129 + random.Next(1000), 10))); return ("off the image", r, StatusCode.InvalidArgument);
            case 5: r.Paths.Add(Path(random.Next(2), Good(0), new PathPoint(Good(1)) { Scale = new[] { float.NaN, -1f, 0.1f, 5f, float.PositiveInfinity }[random.Next(5)] })); return ("odd scale", r, StatusCode.InvalidArgument);
            case 6: r.Paths.Add([Path(1, Good(0), Good(1)), Path(1, Good(0), Good(1))]); return ("an object twice", r, StatusCode.InvalidArgument);
            case 7: r.Paths.Add(Enumerable.Range(0, random.Next(9, 20)).Select(i => Path(i % 2, Good(0), Good(1)))); return ("too many paths", r, StatusCode.InvalidArgument);
            default:
                var bytes = new byte[16];
                random.NextBytes(bytes);
                r.GenerationId = "gen-" + Convert.ToHexString(bytes).ToLowerInvariant();
                return ("an id nobody has", r, StatusCode.NotFound);
        }
    }

    [Fact]
    public async Task TwoHundredMalformedContinues_AreEachRefused_AndTheReviewStaysIntact_ThenAGoodOneRenders()
    {
        var client = await server.TenantAsync("fuzz"); // the fixture's tenant without a rate limit
        var first = await SampleRequests.RunAsync(client, StopAfterMotion(seed: 6));
        string id = first[0].GenerationId;
        long stored = SizeOf(Path.Combine(server.Store, id));
        var random = new Random(37);
        for (int i = 0; i < 200; i++)
        {
            var (what, request, expected) = Malformed(id, random.Next(9), random);
            var refused = await Assert.ThrowsAsync<RpcException>(() => ContinueAsync(client, request));
            Assert.True(refused.StatusCode == expected, $"#{i} {what}: {refused.StatusCode} ({refused.Status.Detail}), not {expected}");
        }
        var status = await client.GetAsync(new GetRequest { GenerationId = id });
        Assert.Equal(("AwaitingReview", first[^1].Seq), (status.State, status.LastSeq));
        Assert.Equal(stored, SizeOf(Path.Combine(server.Store, id)));
        var rest = await ContinueAsync(client, new ContinueRequest { GenerationId = id });
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, rest[^1].EventCase);
    }

    [Fact]
    public async Task Cancel_WhileAwaitingReview_EndsIt_AndFreesItsSlot()
    {
        var client = await server.TenantAsync("review-cancel");
        var first = await SampleRequests.RunAsync(client, StopAfterMotion(seed: 4));
        string id = first[0].GenerationId;
        Assert.Equal(1, (await UsageOf("review-cancel")).InFlight);
        var cancelled = await client.CancelAsync(new CancelRequest { GenerationId = id, Reason = "wrong motion" });
        Assert.Equal("Cancelled", cancelled.State);
        Assert.Equal(0, (await UsageOf("review-cancel")).InFlight);
        var refused = await Assert.ThrowsAsync<RpcException>(() => ContinueAsync(client, new ContinueRequest { GenerationId = id }));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
    }
}
