using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using Polly;
using Polly.Retry;
using Ttm.Protos;
using Ttm.Protos.V1;

namespace Ttm.Client;

/// <summary>
/// A ttm.v1 client for apps. <see cref="GenerateAsync"/> yields a generation's typed events as they appear and survives a
/// dropped connection: it gives every request a request id (so a Generate retried before its accepted event finds the first
/// generation, not a second), and after a break it resumes with Watch after the last seq it yielded — no gap, no duplicate.
/// Unary calls and each step of a stream are retried with exponential backoff and jitter (Polly) on
/// <see cref="TransientFaults"/>; what the server refuses (INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED, …) is thrown at
/// once as the <see cref="RpcException"/> it is. Thread-safe; one per gateway address.
/// </summary>
public sealed class TtmClient : IDisposable
{
    readonly GrpcChannel channel;
    readonly GenerationService.GenerationServiceClient calls;
    readonly ResiliencePipeline retries;
    int retried;

    public TtmClient(TtmClientOptions options)
    {
        channel = TtmChannel.Create(options.Address, options.ApiKey);
        calls = new GenerationService.GenerationServiceClient(channel);
        var builder = new ResiliencePipelineBuilder();
        if (options.MaxRetries > 0)
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && TransientFaults.IsTransient(e, args.Context.CancellationToken)),
                MaxRetryAttempts = options.MaxRetries, BackoffType = DelayBackoffType.Exponential, UseJitter = true,
                Delay = options.FirstRetryDelay, MaxDelay = options.MaxRetryDelay,
                OnRetry = _ =>
                {
                    Interlocked.Increment(ref retried);
                    return ValueTask.CompletedTask;
                },
            });
        retries = builder.Build();
    }

    public TtmClient(string address, string? apiKey) : this(new TtmClientOptions { Address = address, ApiKey = apiKey }) { }

    /// <summary>Calls or stream steps tried again so far (after a transient fault).</summary>
    public int Retries => Volatile.Read(ref retried);

    /// <summary>
    /// Starts a generation and yields its events until it ends (completed, failed or cancelled), or awaits review (a request with
    /// stop_after_motion: <see cref="ContinueAsync"/> goes on), resuming after a dropped connection. A request without a request id
    /// gets one (a GUID), so resending it is idempotent.
    /// </summary>
    public IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerateRequest request, CancellationToken cancellationToken = default)
    {
        if (request.RequestId.Length == 0) request = new GenerateRequest(request) { RequestId = Guid.NewGuid().ToString("N") };
        return FollowAsync(null, 0, (id, after, token) => id is null
            ? calls.Generate(request, cancellationToken: token).ResponseStream
            : calls.Watch(new WatchRequest { GenerationId = id, AfterSeq = after }, cancellationToken: token).ResponseStream, cancellationToken);
    }

    /// <summary>
    /// Runs the video stage of a generation awaiting review (objects in <paramref name="request"/>'s paths on their edited paths) and
    /// yields its events from continued until it ends. Asked once: after a dropped connection it resumes with Watch, never asks again.
    /// </summary>
    public IAsyncEnumerable<GenerationEvent> ContinueAsync(ContinueRequest request, CancellationToken cancellationToken = default)
    {
        int asked = 0;
        return FollowAsync(request.GenerationId, 0, (id, after, token) => Interlocked.Exchange(ref asked, 1) == 0
            ? calls.Continue(request, cancellationToken: token).ResponseStream
            : calls.Watch(new WatchRequest { GenerationId = id, AfterSeq = after }, cancellationToken: token).ResponseStream, cancellationToken);
    }

    /// <summary>
    /// Starts a variation of a generation (another video from its trajectory, with <paramref name="request"/>'s seed) and yields the
    /// new generation's events, accepted (its id, variation_of the source) first, until it ends, resuming after a dropped
    /// connection. A request without a request id gets one (a GUID), so resending it never starts a second variation.
    /// </summary>
    public IAsyncEnumerable<GenerationEvent> VaryAsync(VaryRequest request, CancellationToken cancellationToken = default)
    {
        if (request.RequestId.Length == 0) request = new VaryRequest(request) { RequestId = Guid.NewGuid().ToString("N") };
        return FollowAsync(null, 0, (id, after, token) => id is null
            ? calls.Vary(request, cancellationToken: token).ResponseStream
            : calls.Watch(new WatchRequest { GenerationId = id, AfterSeq = after }, cancellationToken: token).ResponseStream, cancellationToken);
    }

    /// <summary>The events after <paramref name="afterSeq"/>, then live ones until the generation ends (or awaits review), resuming after a dropped connection.</summary>
    public IAsyncEnumerable<GenerationEvent> WatchAsync(string generationId, long afterSeq = 0, CancellationToken cancellationToken = default) =>
        FollowAsync(generationId, afterSeq, (id, after, token) =>
            calls.Watch(new WatchRequest { GenerationId = id, AfterSeq = after }, cancellationToken: token).ResponseStream, cancellationToken);

    /// <summary>
    /// One stream, opened again after each break: the first by <paramref name="open"/>(null, …) for Generate, later ones by
    /// Watch after the last seq yielded. Events at or below it (a replay overlapping what was seen) are dropped.
    /// </summary>
    async IAsyncEnumerable<GenerationEvent> FollowAsync(string? id, long after, Func<string?, long, CancellationToken, IAsyncStreamReader<GenerationEvent>> open,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IAsyncStreamReader<GenerationEvent>? stream = null;
        CancellationTokenSource? current = null;
        bool awaitingReview = false; // the last event seen: a stream the server ends after it rests there until Continue
        try
        {
            while (true)
            {
                var next = await retries.ExecuteAsync(async token =>
                {
                    if (stream is null)
                    {
                        current = CancellationTokenSource.CreateLinkedTokenSource(token);
                        stream = open(id, after, current.Token);
                    }
                    try
                    {
                        return await stream.MoveNext(current!.Token) ? stream.Current : null;
                    }
                    catch (Exception)
                    {
                        (stream, current) = (null, Cancel(current)); // the next attempt opens a new stream after the last seq
                        throw;
                    }
                }, cancellationToken);
                if (next is null)
                {
                    // Ended without the generation's end: the server closed it (a gateway draining); resume.
                    (stream, current) = (null, Cancel(current));
                    if (id is null || awaitingReview) yield break;
                    continue;
                }
                if (next.Seq <= after) continue;
                (id, after) = (next.GenerationId, next.Seq);
                awaitingReview = next.EventCase == GenerationEvent.EventOneofCase.AwaitingReview;
                yield return next;
                if (next.EventCase is GenerationEvent.EventOneofCase.Completed or GenerationEvent.EventOneofCase.Failed or GenerationEvent.EventOneofCase.Cancelled)
                    yield break;
            }
        }
        finally
        {
            Cancel(current);
        }
    }

    static CancellationTokenSource? Cancel(CancellationTokenSource? source)
    {
        source?.Cancel();
        source?.Dispose();
        return null;
    }

    public Task<Generation> GetAsync(string generationId, CancellationToken cancellationToken = default) =>
        Unary(token => calls.GetAsync(new GetRequest { GenerationId = generationId }, cancellationToken: token).ResponseAsync, cancellationToken);

    public Task<Generation> CancelAsync(string generationId, string reason = "", CancellationToken cancellationToken = default) =>
        Unary(token => calls.CancelAsync(new CancelRequest { GenerationId = generationId, Reason = reason }, cancellationToken: token).ResponseAsync, cancellationToken);

    public Task<DeleteResponse> DeleteAsync(string generationId, CancellationToken cancellationToken = default) =>
        Unary(token => calls.DeleteAsync(new DeleteRequest { GenerationId = generationId }, cancellationToken: token).ResponseAsync, cancellationToken);

    public Task<ListResponse> ListAsync(int limit = 0, string pageToken = "", CancellationToken cancellationToken = default) =>
        Unary(token => calls.ListAsync(new ListRequest { Limit = limit, PageToken = pageToken }, cancellationToken: token).ResponseAsync, cancellationToken);

    /// <summary>
    /// The finished generation's MP4, as its video chunks replayed from the event log, written to <paramref name="destination"/>
    /// in index order. Throws when it did not complete (the failure or cancellation says why).
    /// </summary>
    /// <returns>the bytes written</returns>
    public async Task<long> DownloadVideoAsync(string generationId, Stream destination, CancellationToken cancellationToken = default)
    {
        long written = 0;
        int expected = 0;
        await foreach (var e in WatchAsync(generationId, 0, cancellationToken))
            switch (e.EventCase)
            {
                case GenerationEvent.EventOneofCase.VideoChunk:
                    if (e.VideoChunk.Index != expected) throw new InvalidDataException($"video chunk {e.VideoChunk.Index} arrived where {expected} was due.");
                    await destination.WriteAsync(e.VideoChunk.Data.Memory, cancellationToken);
                    (written, expected) = (written + e.VideoChunk.Data.Length, expected + 1);
                    break;
                case GenerationEvent.EventOneofCase.Failed:
                    throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Generation {generationId} failed in {e.Failed.Stage}: {e.Failed.Message}"));
                case GenerationEvent.EventOneofCase.Cancelled:
                    throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Generation {generationId} was cancelled in {e.Cancelled.Stage}: {e.Cancelled.Reason}"));
            }
        return written;
    }

    Task<T> Unary<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        retries.ExecuteAsync(async token => await call(token), cancellationToken).AsTask();

    public void Dispose() => channel.Dispose();
}
