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

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A run cannot survive its activation (the silo went away mid-run): say so rather than hang watchers.
        if (state.State.Spec is not null && !state.State.State.IsTerminal())
            await Append(new GenerationFailed(state.State.Stage, FailureCode.Interrupted,
                "the silo running this generation stopped before it finished; start a new generation"));
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
        await Append(new GenerationAccepted(cluster.GenerationsInFlight));
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
            await Append(new GenerationCancelled(state.State.Stage, cancelReason ?? (spec.Deadline is not null ? "deadline exceeded" : "cancelled")));
        }
        catch (Exception e)
        {
            LogFailed(logger, e, Id);
            await Append(new GenerationFailed(state.State.Stage, FailureCode.Internal, e.Message));
        }
        if (!state.State.State.IsTerminal())
            await Append(new GenerationFailed(state.State.Stage, FailureCode.Internal, "the run ended without a result"));
        DelayDeactivation(TimeSpan.Zero);
    }

    async Task Append(GenerationUpdate update)
    {
        if (state.State.State.IsTerminal()) return; // nothing follows the end
        var numbered = new GenerationEvent(state.State.Events.Count + 1, DateTimeOffset.UtcNow, update);
        state.State.Events.Add(numbered);
        (state.State.State, state.State.Stage) = Next(state.State.State, state.State.Stage, update);
        // Fan out before the storage write yields the turn: a Watch interleaving during the write finds this
        // event in its snapshot and was not yet registered here, so it gets it exactly once.
        foreach (var watcher in watchers) watcher.Writer.TryWrite(numbered);
        if (state.State.State.IsTerminal())
        {
            foreach (var watcher in watchers) watcher.Writer.TryComplete();
            watchers.Clear();
        }
        await state.WriteStateAsync();
    }

    /// <summary>The state and stage after an update: each stage's first update moves the generation into it.</summary>
    static (GenerationState, GenerationStage) Next(GenerationState state, GenerationStage stage, GenerationUpdate update) => update switch
    {
        GenerationAccepted => (GenerationState.Running, GenerationStage.Plan),
        GenerationPlanned => (GenerationState.Running, GenerationStage.Segment),
        ObjectsSegmented or MotionPreviewed => (GenerationState.Running, GenerationStage.Motion),
        TrajectoryFinished or VideoPreviewed => (GenerationState.Running, GenerationStage.Video),
        VideoChunkStored => (GenerationState.Running, GenerationStage.Encode),
        GenerationCompleted => (GenerationState.Completed, stage),
        GenerationFailed f => (GenerationState.Failed, f.Stage),
        GenerationCancelled => (GenerationState.Cancelled, stage),
        _ => (state, stage),
    };

    public async IAsyncEnumerable<GenerationEvent> WatchAsync(long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Snapshot and registration in the same turn: nothing can be appended in between.
        var backlog = state.State.Events.Where(e => e.Seq > afterSeq).ToList();
        Channel<GenerationEvent>? live = null;
        if (!state.State.State.IsTerminal())
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
        if (run is not null && !state.State.State.IsTerminal())
        {
            cancelReason = string.IsNullOrWhiteSpace(reason) ? "cancelled by request" : reason;
            run.Cancel();
        }
        return Task.FromResult(Status());
    }

    GenerationStatus Status() => new(Id, state.State.State, state.State.Events.Count, state.State.Spec?.Tenant, state.State.Spec?.Prompt, state.State.CreatedAt,
        state.State.Stage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Generation {Id} started for tenant {Tenant}")]
    static partial void LogStarted(ILogger logger, string id, string tenant);

    [LoggerMessage(Level = LogLevel.Error, Message = "Generation {Id} failed")]
    static partial void LogFailed(ILogger logger, Exception exception, string id);
}
