using System.Diagnostics;
using Grpc.Core;
using Ttm.Client;
using Ttm.Protos.V1;

namespace Ttm.Gateway.Tests;

/// <summary>
/// Ttm.Client against the embedded server through a loopback relay that cuts the connection mid-stream: the events go on
/// with no gap and no duplicate, UNAVAILABLE is retried with backoff until a gateway answers, and what the server refuses
/// or the caller cancels is never retried.
/// </summary>
public sealed class TtmClientTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    static TtmClientOptions Options(int port, string key, int retries = 8) => new()
    {
        Address = $"http://127.0.0.1:{port}", ApiKey = key, MaxRetries = retries, FirstRetryDelay = TimeSpan.FromMilliseconds(100), MaxRetryDelay = TimeSpan.FromSeconds(1),
    };

    static GenerateRequest Request(int steps = 3) => new(SampleRequests.Small(steps)) { PreviewEvery = 1 };

    [Fact]
    public async Task GenerateAsync_EndsAtAwaitingReview_AndContinueAsync_FollowsTheRestToTheEnd()
    {
        using var client = new TtmClient(Options(server.Port, server.Key));
        var first = new List<GenerationEvent>();
        await foreach (var e in client.GenerateAsync(new GenerateRequest(Request(steps: 1)) { StopAfterMotion = true })) first.Add(e);
        Assert.Equal(GenerationEvent.EventOneofCase.AwaitingReview, first[^1].EventCase);
        var rest = new List<GenerationEvent>();
        await foreach (var e in client.ContinueAsync(new ContinueRequest { GenerationId = first[0].GenerationId, Seed = 3 })) rest.Add(e);
        Assert.Equal(GenerationEvent.EventOneofCase.Continued, rest[0].EventCase);
        Assert.True(rest[^1].EventCase == GenerationEvent.EventOneofCase.Completed, $"ended {rest[^1]}");
        Assert.Equal(Enumerable.Range(1, first.Count + rest.Count).Select(i => (long)i), first.Concat(rest).Select(e => e.Seq));
        var again = await Assert.ThrowsAsync<RpcException>(async () => { await foreach (var _ in client.ContinueAsync(new ContinueRequest { GenerationId = first[0].GenerationId })) { } });
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode); // refused, never retried
    }

    [Fact]
    public async Task GenerateAsync_ResumesAfterTheConnectionIsCut_WithNoGapAndNoDuplicate_AndDownloadsTheVideo()
    {
        await using var relay = new LoopbackProxy(server.Port);
        using var client = new TtmClient(Options(relay.Port, server.Key));
        var events = new List<GenerationEvent>();
        int cuts = 0;
        await foreach (var e in client.GenerateAsync(Request()))
        {
            events.Add(e);
            // Cut twice: right after accepted, and after the first preview.
            bool firstPreview = e.EventCase == GenerationEvent.EventOneofCase.MotionPreview && events.Count(x => x.MotionPreview is not null) == 1;
            if ((e.EventCase == GenerationEvent.EventOneofCase.Accepted || firstPreview) && relay.DropAll() > 0) cuts++;
        }
        Assert.Equal(2, cuts);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, events[^1].EventCase);
        Assert.Single(events.Select(e => e.GenerationId).Distinct());
        Assert.True(client.Retries >= 2, $"{client.Retries} retries after {cuts} cuts");

        // The download replays the log's chunks: the same bytes the stream carried.
        var streamed = events.Where(e => e.VideoChunk is not null).SelectMany(e => e.VideoChunk.Data.ToByteArray()).ToArray();
        using var file = new MemoryStream();
        Assert.Equal(streamed.Length, await client.DownloadVideoAsync(events[0].GenerationId, file));
        Assert.Equal(streamed, file.ToArray());
        Assert.Equal("ftyp", System.Text.Encoding.ASCII.GetString(streamed, 4, 4));

        // Watch with resume, after any seq; then the unary calls.
        var rest = new List<long>();
        await foreach (var e in client.WatchAsync(events[0].GenerationId, afterSeq: 4)) rest.Add(e.Seq);
        Assert.Equal(events.Skip(4).Select(e => e.Seq), rest);
        Assert.Equal("Completed", (await client.GetAsync(events[0].GenerationId)).State);
        Assert.Contains((await client.ListAsync()).Generations, g => g.GenerationId == events[0].GenerationId);
        Assert.True((await client.DeleteAsync(events[0].GenerationId)).BytesFreed > 0);
    }

    [Fact]
    public async Task Unavailable_IsRetriedWithBackoff_UntilAGatewayAnswers()
    {
        int port = ServerFixture.FreePort(); // nothing listens there yet
        using var client = new TtmClient(Options(port, server.Key, retries: 30));
        var clock = Stopwatch.StartNew();
        var run = Task.Run(async () =>
        {
            var seen = new List<GenerationEvent>();
            await foreach (var e in client.GenerateAsync(Request(steps: 1))) seen.Add(e);
            return seen;
        });
        await Task.Delay(1500);
        Assert.False(run.IsCompleted);
        Assert.True(client.Retries >= 2, $"only {client.Retries} retries in 1.5 s");
        await using var gateway = new LoopbackProxy(server.Port, port); // a gateway comes up on that address
        var events = await run.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, events[^1].EventCase);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1.5));

        // Without a gateway and with a bounded budget, UNAVAILABLE surfaces after the retries.
        using var hopeless = new TtmClient(Options(ServerFixture.FreePort(), server.Key, retries: 2));
        var error = await Assert.ThrowsAsync<RpcException>(() => hopeless.GetAsync("gen-00000000000000000000000000000000"));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(2, hopeless.Retries);
    }

    [Fact]
    public async Task Refusals_AndTheCallersCancellation_AreNotRetried()
    {
        using var client = new TtmClient(Options(server.Port, server.Key));
        var invalid = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in client.GenerateAsync(new GenerateRequest(Request()) { Prompt = "" })) { }
        });
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(() => client.GetAsync("gen-00000000000000000000000000000000"));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        using var anonymous = new TtmClient(Options(server.Port, ""));
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => anonymous.ListAsync())).StatusCode);

        using var stop = new CancellationTokenSource();
        string? id = null;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in client.GenerateAsync(Request(steps: 200), stop.Token))
            {
                id ??= e.GenerationId;
                stop.Cancel(); // the caller leaves: no retry, and the generation goes on without it
            }
        });
        Assert.Equal(0, client.Retries + anonymous.Retries);
        Assert.NotNull(id);
        await client.CancelAsync(id!, "test over");
        await client.DeleteAsync(id!);
    }
}
