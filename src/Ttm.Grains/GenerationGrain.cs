using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Ttm.Grains;

/// <summary>
/// One activation per generation. It runs the request exactly once through <see cref="IGenerationRunner"/>,
/// numbers every partial result, persists the log, and fans events out to watchers. A watcher gets the log
/// after its sequence number and then live events with no gap and no duplicate: both the snapshot and the
/// registration happen in one grain turn, and appends happen in grain turns too. Cancel by request or deadline;
/// a watcher that leaves does not cancel the run.
/// </summary>
public sealed partial class GenerationGrain(
    [PersistentState("generation", "generations")] IPersistentState<GenerationGrainState> state,
    IGenerationRunner runner,
    ILogger<GenerationGrain> logger) : Grain, IGenerationGrain
{
    readonly List<Channel<GenerationEvent>> watchers = [];
    CancellationTokenSource? run;
    string? cancelReason; // set by CancelAsync; a cancellation without it was the deadline

    string Id => this.GetPrimaryKeyString();

    static bool IsTerminal(GenerationState s) => s is GenerationState.Completed or GenerationState.Failed or GenerationState.Cancelled;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A run cannot survive its activation (the silo went away mid-run): say so rather than hang watchers.
        if (state.State.Spec is not null && !IsTerminal(state.State.State))
            await Append(new GenerationEvent(0, default, GenerationEventKind.Failed, Text: "the silo running this generation stopped before it finished; start a new generation",
                Stage: state.State.State.ToString(), Code: "interrupted"));
    }

    public async Task<GenerationStatus> StartAsync(GenerationSpec spec)
    {
        if (state.State.Spec is { } existing)
        {
            if (existing.Digest == spec.Digest) return Status();
            throw new InvalidOperationException($"Generation {Id} already runs another request; use a new generation id.");
        }
        state.State.Spec = spec;
        state.State.CreatedAt = DateTimeOffset.UtcNow;
        state.State.State = GenerationState.Queued;
        // How many generations it will share the devices with (as last reported; batching admits it at once).
        var cluster = await GrainFactory.GetGrain<IOpsMonitorGrain>(0).GetAsync();
        await Append(new GenerationEvent(0, default, GenerationEventKind.Accepted, Step: cluster.GenerationsInFlight));
        run = spec.Deadline is { } deadline ? new CancellationTokenSource(deadline) : new CancellationTokenSource();
        DelayDeactivation(TimeSpan.FromHours(6));
        _ = Run(spec, run.Token);
        LogStarted(logger, Id, spec.Tenant);
        return Status();
    }

    async Task Run(GenerationSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in runner.RunAsync(Id, spec, cancellationToken).WithCancellation(cancellationToken))
                await Append(e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Append(new GenerationEvent(0, default, GenerationEventKind.Cancelled,
                Text: cancelReason ?? (spec.Deadline is not null ? "deadline exceeded" : "cancelled"),
                Stage: state.State.State.ToString()));
        }
        catch (Exception e)
        {
            LogFailed(logger, e, Id);
            await Append(new GenerationEvent(0, default, GenerationEventKind.Failed, Text: e.Message, Stage: state.State.State.ToString(), Code: "internal"));
        }
        if (!IsTerminal(state.State.State))
            await Append(new GenerationEvent(0, default, GenerationEventKind.Failed, Text: "the run ended without a result", Code: "internal"));
        DelayDeactivation(TimeSpan.Zero);
    }

    async Task Append(GenerationEvent e)
    {
        if (IsTerminal(state.State.State)) return; // nothing follows the end
        var numbered = e with { Seq = state.State.Events.Count + 1, At = DateTimeOffset.UtcNow };
        state.State.Events.Add(numbered);
        state.State.State = Next(state.State.State, numbered);
        // Fan out before the storage write yields the turn: a Watch interleaving during the write finds this
        // event in its snapshot and was not yet registered here, so it gets it exactly once.
        foreach (var watcher in watchers) watcher.Writer.TryWrite(numbered);
        if (IsTerminal(state.State.State))
        {
            foreach (var watcher in watchers) watcher.Writer.TryComplete();
            watchers.Clear();
        }
        await state.WriteStateAsync();
    }

    static GenerationState Next(GenerationState current, GenerationEvent e) => e.Kind switch
    {
        GenerationEventKind.Accepted => GenerationState.Planning,
        GenerationEventKind.Plan => GenerationState.Segmenting,
        GenerationEventKind.Segmentation or GenerationEventKind.MotionPreview => GenerationState.Motion,
        GenerationEventKind.MotionDone or GenerationEventKind.VideoPreview => GenerationState.Video,
        GenerationEventKind.VideoChunk => GenerationState.Encoding,
        GenerationEventKind.Completed => GenerationState.Completed,
        GenerationEventKind.Failed => GenerationState.Failed,
        GenerationEventKind.Cancelled => GenerationState.Cancelled,
        _ => current,
    };

    public async IAsyncEnumerable<GenerationEvent> WatchAsync(long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Snapshot and registration in the same turn: nothing can be appended in between.
        var backlog = state.State.Events.Where(e => e.Seq > afterSeq).ToList();
        Channel<GenerationEvent>? live = null;
        if (!IsTerminal(state.State.State))
        {
            live = Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true });
            watchers.Add(live);
        }
        try
        {
            long last = afterSeq;
            foreach (var e in backlog)
            {
                last = e.Seq;
                yield return e;
            }
            if (live is null) yield break;
            await foreach (var e in live.Reader.ReadAllAsync(cancellationToken))
                if (e.Seq > last)
                {
                    last = e.Seq;
                    yield return e;
                }
        }
        finally
        {
            if (live is not null) watchers.Remove(live);
        }
    }

    public Task<GenerationStatus> GetStatusAsync() => Task.FromResult(Status());

    public Task<GenerationStatus> CancelAsync(string reason)
    {
        if (run is not null && !IsTerminal(state.State.State))
        {
            cancelReason = string.IsNullOrWhiteSpace(reason) ? "cancelled by request" : reason;
            run.Cancel();
        }
        return Task.FromResult(Status());
    }

    GenerationStatus Status() => new(Id, state.State.State, state.State.Events.Count, state.State.Spec?.Tenant, state.State.Spec?.Prompt, state.State.CreatedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Generation {Id} started for tenant {Tenant}")]
    static partial void LogStarted(ILogger logger, string id, string tenant);

    [LoggerMessage(Level = LogLevel.Error, Message = "Generation {Id} failed")]
    static partial void LogFailed(ILogger logger, Exception exception, string id);
}
