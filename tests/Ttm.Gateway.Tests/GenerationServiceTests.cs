using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Ttm.Protos.V1;

namespace Ttm.Gateway.Tests;

public sealed class GenerationServiceTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    static readonly byte[] Sample = File.ReadAllBytes(Path.Combine(ServerFixture.Root, "samples", "two-squares.png"));

    static GenerateRequest Request(byte[] image, string prompt) => new()
    {
        Image = ByteString.CopyFrom(image), Prompt = prompt, Seed = 1, MotionSteps = 4, VideoSteps = 4, PreviewEvery = 2, PreviewSize = 64,
    };

    [Fact]
    public async Task Generate_StreamsPlanSegmentationPreviewsChunksCompleted_AndTheChunksAreAValidMp4()
    {
        var events = new List<GenerationEvent>();
        using var call = server.Client.Generate(Request(Sample, "The red square moves right while the white square slides down slowly."),
            deadline: DateTime.UtcNow.AddMinutes(3));
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);

        var kinds = events.Select(e => e.EventCase).ToList();
        var runs = kinds.Where((k, i) => i == 0 || kinds[i - 1] != k).ToList();
        Assert.Equal([GenerationEvent.EventOneofCase.Accepted, GenerationEvent.EventOneofCase.Plan, GenerationEvent.EventOneofCase.Segmentation,
            GenerationEvent.EventOneofCase.MotionPreview, GenerationEvent.EventOneofCase.MotionDone, GenerationEvent.EventOneofCase.VideoPreview,
            GenerationEvent.EventOneofCase.VideoChunk, GenerationEvent.EventOneofCase.Completed], runs);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.All(events, e => Assert.True(e.CalculateSize() <= 1024 * 1024));
        Assert.Equal(["red square", "white square"], events.Single(e => e.Plan is not null).Plan.Objects.Select(o => o.Name));

        var mp4 = Path.GetTempFileName() + ".mp4";
        await File.WriteAllBytesAsync(mp4, events.Where(e => e.VideoChunk is not null).OrderBy(e => e.VideoChunk.Index).SelectMany(e => e.VideoChunk.Data.ToByteArray()).ToArray());
        using var probe = Process.Start(new ProcessStartInfo("ffprobe", $"-v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 {mp4}") { RedirectStandardOutput = true })!;
        Assert.Equal("h264", (await probe.StandardOutput.ReadToEndAsync()).Trim());
        File.Delete(mp4);

        // Watch after the end replays the log from any point, once.
        var id = events[0].GenerationId;
        var replay = new List<GenerationEvent>();
        using var watch = server.Client.Watch(new WatchRequest { GenerationId = id, AfterSeq = 3 });
        await foreach (var e in watch.ResponseStream.ReadAllAsync()) replay.Add(e);
        Assert.Equal(events.Skip(3).Select(e => e.Seq), replay.Select(e => e.Seq));
        Assert.Equal("Completed", (await server.Client.GetAsync(new GetRequest { GenerationId = id })).State);
        Assert.Contains(id, (await server.Client.ListAsync(new ListRequest())).Generations.Select(g => g.GenerationId));
    }

    [Fact]
    public async Task Generate_WithARequestIdAgain_StreamsTheSameGeneration_AndAnotherRequestUnderItIsAlreadyExists()
    {
        var client = await server.TenantAsync($"tenant-idem-{Guid.NewGuid():N}");
        var request = Request(Sample, "The red square moves right.");
        request.MotionSteps = request.VideoSteps = 1;
        request.RequestId = "order-17";
        async Task<List<GenerationEvent>> Run(GenerateRequest r)
        {
            using var call = client.Generate(r, deadline: DateTime.UtcNow.AddMinutes(3));
            var events = new List<GenerationEvent>();
            await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
            return events;
        }
        var first = await Run(request);
        var again = await Run(request);
        Assert.Equal(first[0].GenerationId, again[0].GenerationId);
        Assert.Equal(first.Select(e => (e.Seq, e.EventCase)), again.Select(e => (e.Seq, e.EventCase))); // the same log from seq 1, not a second run
        Assert.Single((await client.ListAsync(new ListRequest())).Generations);

        var other = request.Clone();
        other.Seed = 2;
        var error = await Assert.ThrowsAsync<RpcException>(() => Run(other));
        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains("order-17", error.Status.Detail);
    }

    [Fact]
    public async Task List_PagesATenantsGenerations_NewestFirst_AndShowsNoOtherTenants()
    {
        var client = await server.TenantAsync($"tenant-list-{Guid.NewGuid():N}");
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var request = Request(Sample, "The red square moves right.");
            request.MotionSteps = request.VideoSteps = 1;
            using var call = client.Generate(request);
            await foreach (var e in call.ResponseStream.ReadAllAsync()) if (e.Accepted is not null) ids.Add(e.GenerationId);
        }
        var pages = new List<ListResponse>();
        string token = "";
        do
        {
            pages.Add(await client.ListAsync(new ListRequest { Limit = 2, PageToken = token }));
            token = pages[^1].NextPageToken;
        }
        while (token.Length > 0);
        Assert.Equal([2, 1], pages.Select(p => p.Generations.Count));
        Assert.Equal(Enumerable.Reverse(ids), pages.SelectMany(p => p.Generations).Select(g => g.GenerationId));
        Assert.DoesNotContain((await server.Client.ListAsync(new ListRequest())).Generations, g => ids.Contains(g.GenerationId));
        var bad = await Assert.ThrowsAsync<RpcException>(async () => await client.ListAsync(new ListRequest { PageToken = "nonsense" }));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }

    public static TheoryData<string, byte[], string, string> BadRequests() => new()
    {
        { "not an image", "hello, not a picture"u8.ToArray(), "The red square moves right.", "not an image" },
        { "truncated PNG", Sample[..(Sample.Length / 2)], "The red square moves right.", "truncated" },
        { "dimension bomb", Bomb(), "The red square moves right.", "claims 100000×100000" },
        { "empty prompt", Sample, "  ", "prompt is empty" },
        { "100 KB prompt", Sample, new string('a', 100_000), "100000 characters" },
        { "empty image", [], "The red square moves right.", "image is empty" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInput_IsInvalidArgument_WithAClearMessage_AndTheServerKeepsServing(string name, byte[] image, string prompt, string message)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = server.Client.Generate(Request(image, prompt));
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
        });
        Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"{name}: {error.StatusCode} {error.Status.Detail}");
        Assert.Contains(message, error.Status.Detail);
        await server.Client.ListAsync(new ListRequest()); // still serving
    }

    [Fact]
    public async Task UnknownGenerationIds_AreNotFound_AndMalformedOnesInvalid()
    {
        const string unknown = "gen-0123456789abcdef0123456789abcdef";
        var error = await Assert.ThrowsAsync<RpcException>(async () => await server.Client.GetAsync(new GetRequest { GenerationId = unknown }));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains($"No generation '{unknown}'", error.Status.Detail);
        var cancel = await Assert.ThrowsAsync<RpcException>(async () => await server.Client.CancelAsync(new CancelRequest { GenerationId = unknown }));
        Assert.Equal(StatusCode.NotFound, cancel.StatusCode);
        var malformed = await Assert.ThrowsAsync<RpcException>(async () => await server.Client.GetAsync(new GetRequest { GenerationId = "gen-unknown" + new string('x', 10_000) }));
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.DoesNotContain("xxxx", malformed.Status.Detail); // not echoed back
    }

    static byte[] Bomb()
    {
        byte[] ihdr = [(byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 2, 0, 0, 0];
        return [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, .. ihdr, 0, 0, 0, 0];
    }
}
