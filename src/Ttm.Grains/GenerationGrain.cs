using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Ttm.Contracts;

namespace Ttm.Grains;

/// <summary>
/// One activation per generation. It drives the request through <see cref="IGenerationRunner"/>, numbers every
/// partial result, stores it in the generation's durable <see cref="IGenerationEventLog"/> and only then fans it
/// out to watchers. A watcher gets the log after its sequence number and then live events with no gap and no
/// duplicate. When the silo holding the activation goes away, the next call or the grain's reminder activates it
/// elsewhere and it drives the run again: the stages continue from their checkpoints, and updates the log already
/// holds are not logged twice. Cancel by request or deadline; a watcher that leaves does not cancel the run. Delete
/// by request, or when the tenant's time-to-live after the end has passed (a reminder), removes all it left.
/// A generation that stops after motion rests in <see cref="GenerationState.AwaitingReview"/>: nothing runs, watchers' streams
/// end, it keeps its tenant slot (admitted once, it is one generation), and the time-to-live counts from there; Continue
/// (once) drives its second part, whose events follow in the same log. A variation (<see cref="StartVariationAsync"/>) is a
/// generation of its own whose run is such a second part from the start, on a copy of its source's trajectory.
/// </summary>
public sealed partial class GenerationGrain(
    [PersistentState("generation", "generations")] IPersistentState<GenerationGrainState> state,
    IGenerationRunner runner,
    IGenerationEventLog log,
    IArtifactStore store,
    IHostApplicationLifetime host,
    ILogger<GenerationGrain> logger) : Grain, IGenerationGrain, IRemindable
{
    const string DriveReminder = "drive";
    /// <summary>How long a Delete waits for its run to stop before removing what it left (below Orleans' 30 s response timeout).</summary>
    static readonly TimeSpan DeleteWait = TimeSpan.FromSeconds(20);
    const string ExpireReminder = "expire";

    readonly List<Channel<GenerationEvent>> watchers = [];
    readonly HashSet<(Type, int)> logged = []; // what the log holds, so a run driven again does not log it twice
    CancellationTokenSource? run;
    Task? running;
    bool deleting; // DeleteAsync is removing it: the run stops and writes nothing more
    string? cancelReason; // set by CancelAsync; a cancellation without it was the deadline
    bool leaving; // this activation is being deactivated: it writes nothing more (another one drives the generation)
    long lastSeq;
    long writer; // this activation's claim on the log: a later activation's claim fences its appends
    int progress; // 0..100 (GenerationProgress), from the events

    string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Spec is { } stored) state.State.Spec = stored.Upgraded(); // one stored before the formats and step cache were enums
        // Claimed before it is read: an activation left behind on a silo taken for dead (cut off, not killed) can append
        // nothing after this point, so the log read next is all the history there will be before this activation writes.
        // Only a generation that exists (a look-up of an unknown id leaves no claim behind); a new one claims as it begins.
        if (state.State.Spec is not null) writer = await log.ClaimAsync(Id);
        // The log is the truth of what happened: its last seq is the next one's predecessor, whatever the grain state says.
        lastSeq = await log.LastSeqAsync(Id);
        progress = state.State.Progress;
        if (state.State.State.IsIdle()) return; // stored when it ended or paused for review: nothing to drive, nothing to replay
        foreach (var e in await log.ReadAsync(Id, 0, lastSeq))
        {
            logged.Add(Once(e.Update));
            (state.State.State, state.State.Stage) = Next(state.State.State, state.State.Stage, e.Update);
            progress = GenerationProgress.After(progress, e.Update);
        }
        // A run whose silo went away mid-run is driven again here, continuing from its stage checkpoints.
        if (state.State.Spec is { } spec && !state.State.State.IsIdle())
        {
            LogDrivenAgain(logger, Id, state.State.Stage.Name(), lastSeq);
            Drive(spec);
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Deactivated mid-run (its silo leaves, or the directory found a second activation): stop here and write
        // nothing more; the activation that drives the generation next continues it from the log and the checkpoints.
        leaving = true;
        run?.Cancel();
        return Task.CompletedTask;
    }

    public Task<GenerationStatus> StartAsync(GenerationSpec spec) => BeginAsync(spec, null);

    public Task<GenerationStatus> StartVariationAsync(GenerationSpec spec, GenerationContinuation continuation) =>
        spec.VariationOf is null ? throw new ArgumentException("A variation's spec names its source (VariationOf).", nameof(spec)) : BeginAsync(spec, continuation);

    /// <summary>A new generation, or (<paramref name="continuation"/>) a variation: its run is the video stage only, as a continued one's.</summary>
    async Task<GenerationStatus> BeginAsync(GenerationSpec spec, GenerationContinuation? continuation)
    {
        if (state.State.Spec is { } existing)
        {
            if (existing.Digest == spec.Digest) return Status();
            throw new InvalidOperationException($"Generation {Id} already runs another request; use a new generation id.");
        }
        // Before its state says it exists: an activation that finds the state claims after this one, and fences it.
        writer = await log.ClaimAsync(Id);
        state.State.Spec = spec;
        state.State.Continuation = continuation;
        state.State.CreatedAt = DateTimeOffset.UtcNow;
        state.State.State = GenerationState.Queued;
        state.State.TraceParent = Activity.Current?.Id;
        await state.WriteStateAsync();
        // Until it ends, a reminder brings the generation back if its silo dies with nobody watching.
        await this.RegisterOrUpdateReminder(DriveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        // How many generations it will share the devices with (as last reported; batching admits it at once).
        var cluster = await GrainFactory.GetGrain<IOpsMonitorGrain>(0).GetAsync();
        await Append(new GenerationAccepted(cluster.GenerationsInFlight, spec.VariationOf));
        Drive(spec);
        LogStarted(logger, Id, spec.Tenant);
        return Status();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // "drive": being active is the point (OnActivateAsync drives). "expire": the time-to-live after the end (or since it
        // began to await review) has passed.
        if (reminderName == ExpireReminder && state.State.State.IsIdle()) await DeleteAsync();
    }

    void Drive(GenerationSpec spec)
    {
        var since = state.State.ContinuedAt ?? state.State.CreatedAt!.Value;
        var left = spec.Deadline is { } deadline ? deadline - (DateTimeOffset.UtcNow - since) : (TimeSpan?)null;
        run = left is { } l ? new CancellationTokenSource(l > TimeSpan.Zero ? l : TimeSpan.Zero) : new CancellationTokenSource();
        DelayDeactivation(TimeSpan.FromHours(6));
        running = Run(spec, run.Token);
    }

    async Task Run(GenerationSpec spec, CancellationToken cancellationToken)
    {
        // The admitting call's trace, also when this run is one driven again (by a reminder or a Watch: not its trace).
        var admitted = ActivityContext.TryParse(state.State.TraceParent, null, isRemote: true, out var context) ? context : default;
        using var span = GrainTracing.Source.StartActivity("generation", ActivityKind.Internal, admitted).OfGeneration(Id, spec.Tenant);
        using var scope = logger.BeginGenerationScope(Id, spec.Tenant);
        try
        {
            await foreach (var update in runner.RunAsync(Id, spec, state.State.Continuation, cancellationToken).WithCancellation(cancellationToken))
                await Append(update);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !leaving && !deleting)
        {
            await Append(new GenerationCancelled(state.State.Stage, cancelReason ?? (spec.Deadline is not null ? "deadline exceeded" : "cancelled")));
        }
        catch (Exception) when (deleting)
        {
            return;
        }
        catch (Exception e) when (leaving || host.ApplicationStopping.IsCancellationRequested)
        {
            // This silo is leaving (SIGTERM, a rolling update): not the generation's failure. It is driven again on
            // another silo by its reminder or the next Watch, and continues from the stages' checkpoints.
            LogLeftMidRun(logger, Id, e.GetType().Name);
            return;
        }
        catch (Exception e)
        {
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            LogFailed(logger, e, Id);
            var (code, message) = FailureCodes.Of(e);
            await Append(new GenerationFailed(state.State.Stage, code, message));
        }
        if (leaving || deleting) return;
        if (state.State.State == GenerationState.AwaitingReview)
        {
            await RestAsync(spec);
            return;
        }
        if (!state.State.State.IsTerminal())
            await Append(new GenerationFailed(state.State.Stage, FailureCode.Internal, "the run ended without a result"));
        await EndedAsync(spec);
    }

    /// <summary>The run is over (completed, failed, cancelled): kept for the tenant's time-to-live, its slot freed.</summary>
    async Task EndedAsync(GenerationSpec spec)
    {
        await RestAsync(spec);
        // Refused, cancelled or failed before the device stages made anything: its upload is of no use to anyone, removed now.
        if (state.State.State != GenerationState.Completed && state.State.Stage is GenerationStage.Plan or GenerationStage.Segment)
            store.Delete(spec.ImageKey);
        // Failed or cancelled: it never resumes, so its checkpoints, handed-over frames and any half-encoded outputs are
        // dead weight (and after a full disk, the space wanted back). What its log names (previews, chunks) stays for replay.
        if (state.State.State != GenerationState.Completed)
            foreach (var folder in new[] { $"{Id}/checkpoints", RenderedFrames.FolderOf(Id), $"{Id}/outputs" }) store.Delete(folder);
        await GrainFactory.GetGrain<ITenantGrain>(spec.Tenant).EndedAsync(Id, store.SizeOf(Id));
    }

    /// <summary>Nothing runs for it now (ended, or awaiting review): no reminder drives it, the time-to-live counts from here.</summary>
    async Task RestAsync(GenerationSpec spec)
    {
        if (await this.GetReminder(DriveReminder) is { } reminder) await this.UnregisterReminder(reminder);
        // Kept for the tenant's time-to-live, then removed (the reminder outlives this activation and its silo).
        if (spec.RetainFor is { } ttl) await this.RegisterOrUpdateReminder(ExpireReminder, ttl, ttl > TimeSpan.FromMinutes(1) ? ttl : TimeSpan.FromMinutes(1));
        DelayDeactivation(TimeSpan.Zero);
    }

    public async Task<long> ContinueAsync(long? seed, IReadOnlyList<IReadOnlyList<float>?> paths)
    {
        // The review ends the watchers' streams before the run that paused returns (it still winds down, then rests): a
        // Continue sent at once waits for it here, or that run's tail would find a second run going and end it as failed.
        if (state.State.State == GenerationState.AwaitingReview && running is { } paused) await paused.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
        // One turn from the check to the state change (the grain is not reentrant): of two Continues at once, the second
        // finds it running and is refused, so the video stage runs once.
        if (state.State.Spec is not { } spec || state.State.State != GenerationState.AwaitingReview)
            throw new InvalidOperationException(state.State.Spec is null
                ? $"Generation {Id} does not exist."
                : $"Generation {Id} is {state.State.State} ({state.State.Stage.Name()}), not awaiting review: only a generation started with stop_after_motion "
                  + "can be continued, once, before its time to live ends.");
        var events = await log.ReadAsync(Id, 0, lastSeq);
        if (events.LastOrDefault()?.Update is not AwaitingReview review || events.Select(e => e.Update).OfType<GenerationPlanned>().LastOrDefault() is not { } planned)
            throw new InvalidOperationException($"Generation {Id} awaits review but its log holds no plan and review to continue from; delete it and generate again.");
        ReviewedPaths.Check(paths, review);
        long reviewSeq = lastSeq;
        state.State.Continuation = new GenerationContinuation(seed ?? spec.Seed, paths, planned.Plan);
        state.State.ContinuedAt = DateTimeOffset.UtcNow;
        if (await this.GetReminder(ExpireReminder) is { } expiry) await this.UnregisterReminder(expiry);
        await this.RegisterOrUpdateReminder(DriveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await Append(new GenerationContinued(seed ?? spec.Seed, paths.Select((p, i) => (p, i)).Where(x => x.p is not null).Select(x => x.i).ToList())); // stores the state
        Drive(spec);
        LogContinued(logger, Id, spec.Tenant, state.State.Continuation.Paths.Count(p => p is not null));
        return reviewSeq;
    }

    public async Task<VariationSource> VariationSourceAsync()
    {
        if (state.State.Spec is not { } spec || state.State.State is not (GenerationState.Completed or GenerationState.AwaitingReview))
            throw new InvalidOperationException(state.State.Spec is null
                ? $"Generation {Id} does not exist."
                : $"Generation {Id} is {state.State.State} ({state.State.Stage.Name()}): a variation runs on a finished trajectory, so only a completed "
                  + "generation or one awaiting review can be varied; wait for it to complete, or vary another.");
        string key = state.State.Continuation?.TrajectoryKey ?? GenerationContinuation.TrajectoryKeyOf(Id);
        var plan = state.State.Continuation?.Plan
            ?? (await log.ReadAsync(Id, 0, lastSeq)).Select(e => e.Update).OfType<GenerationPlanned>().LastOrDefault()?.Plan;
        if (plan is null || !store.Exists(key))
            throw new InvalidOperationException($"Generation {Id} kept no trajectory to vary (it ran without a motion stage, or before variations were kept); "
                + "generate it again, then vary that one.");
        return new VariationSource(spec, plan, state.State.Continuation?.Paths ?? [], key);
    }

    /// <summary>Stores the update as the next event, then publishes it; an update the log already holds (a run driven again) is dropped.</summary>
    async Task Append(GenerationUpdate update)
    {
        if (state.State.State.IsTerminal() || leaving || deleting) return; // nothing follows the end; a deactivated or deleted one writes nothing
        if (!logged.Add(Once(update))) return;
        update = Bounded(update);
        if (lastSeq >= GenerationLimits.MaxEventsPerGeneration - 1 && !IsEnd(update))
        {
            // A log may not grow without bound: the last place goes to the end, and the run stops.
            run?.Cancel();
            update = new GenerationFailed(state.State.Stage, FailureCode.Internal,
                $"The generation logged {lastSeq} events, one short of its limit of {GenerationLimits.MaxEventsPerGeneration}; ask for fewer previews.");
        }
        var numbered = new GenerationEvent(lastSeq + 1, DateTimeOffset.UtcNow, update);
        try
        {
            await log.AppendAsync(Id, numbered, writer); // durable before anyone sees it
        }
        catch (GenerationLogFencedException e)
        {
            // Replaced: another activation drives the generation now. This one stops, writes nothing more, and goes.
            LogFenced(logger, Id, e.Writer, e.Current);
            leaving = true;
            run?.Cancel();
            DeactivateOnIdle();
            throw;
        }
        lastSeq = numbered.Seq;
        var before = (state.State.State, state.State.Stage);
        (state.State.State, state.State.Stage) = Next(state.State.State, state.State.Stage, update);
        state.State.Progress = progress = GenerationProgress.After(progress, update);
        // A watcher registered while the append was stored reads the log only up to the seq before this one: it gets this one here.
        foreach (var watcher in watchers) watcher.Writer.TryWrite(numbered);
        if (state.State.State.IsIdle())
        {
            foreach (var watcher in watchers) watcher.Writer.TryComplete();
            watchers.Clear();
        }
        if ((state.State.State, state.State.Stage) != before) await WriteStateOverConflictAsync();
    }

    static bool IsEnd(GenerationUpdate update) => update is GenerationCompleted or GenerationFailed or GenerationCancelled;

    /// <summary>The update with its free text cut to <see cref="GenerationLimits.MaxEventTextCharacters"/>: the log keeps no unbounded string.</summary>
    static GenerationUpdate Bounded(GenerationUpdate update) => update switch
    {
        GenerationFailed f when f.Message.Length > GenerationLimits.MaxEventTextCharacters => f with { Message = Cut(f.Message, GenerationLimits.MaxEventTextCharacters) },
        GenerationCancelled c when c.Reason.Length > GenerationLimits.MaxCancelReasonCharacters => c with { Reason = Cut(c.Reason, GenerationLimits.MaxCancelReasonCharacters) },
        GenerationCompleted c when c.Note.Length > GenerationLimits.MaxEventTextCharacters => c with { Note = Cut(c.Note, GenerationLimits.MaxEventTextCharacters) },
        _ => update,
    };

    static string Cut(string text, int characters) => text[..(characters - 1)] + "…";

    /// <summary>What makes an update the same one again when a run is driven a second time: its kind, and a preview's step or a chunk's index.</summary>
    static (Type, int) Once(GenerationUpdate update) => update switch
    {
        MotionPreviewed p => (typeof(MotionPreviewed), p.Step),
        VideoPreviewed p => (typeof(VideoPreviewed), p.Step),
        VideoChunkStored c => (typeof(VideoChunkStored), c.Index),
        _ => (update.GetType(), 0),
    };

    /// <summary>The state and stage after an update: each stage's first update moves the generation into it.</summary>
    static (GenerationState, GenerationStage) Next(GenerationState state, GenerationStage stage, GenerationUpdate update) => update switch
    {
        GenerationAccepted => (GenerationState.Running, GenerationStage.Plan),
        GenerationPlanned => (GenerationState.Running, GenerationStage.Segment),
        ObjectsSegmented or MotionPreviewed => (GenerationState.Running, GenerationStage.Motion),
        TrajectoryFinished or VideoPreviewed => (GenerationState.Running, GenerationStage.Video),
        AwaitingReview => (GenerationState.AwaitingReview, GenerationStage.Motion),
        GenerationContinued => (GenerationState.Running, GenerationStage.Video),
        VideoChunkStored => (GenerationState.Running, GenerationStage.Encode),
        GenerationCompleted => (GenerationState.Completed, stage),
        GenerationFailed f => (GenerationState.Failed, f.Stage),
        GenerationCancelled => (GenerationState.Cancelled, stage),
        _ => (state, stage),
    };

    public async IAsyncEnumerable<GenerationEvent> WatchAsync(long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Registration and the replay's upper bound in the same turn: what is appended later comes through the channel.
        Channel<GenerationEvent>? live = null;
        if (!state.State.State.IsIdle())
        {
            live = Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true });
            watchers.Add(live);
        }
        long upTo = lastSeq;
        try
        {
            long last = afterSeq;
            foreach (var e in await log.ReadAsync(Id, afterSeq, upTo))
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

    public async Task<GenerationStatus> CancelAsync(string reason)
    {
        reason = string.IsNullOrWhiteSpace(reason) ? "cancelled by request" : reason; // the gateway bounds it; the log cuts it (Bounded)
        if (state.State.State == GenerationState.AwaitingReview && state.State.Spec is { } spec)
        {
            // Nothing runs: it ends here, and its slot frees.
            await Append(new GenerationCancelled(state.State.Stage, reason));
            await EndedAsync(spec);
        }
        else if (run is not null && !state.State.State.IsTerminal())
        {
            cancelReason = reason;
            run.Cancel();
        }
        return Status();
    }

    public async Task<long> DeleteAsync()
    {
        if (state.State.Spec is not { } spec) return 0;
        deleting = true;
        run?.Cancel();
        if (running is { IsCompleted: false } stillRunning)
        {
            try
            {
                await stillRunning.WaitAsync(DeleteWait); // the device stages stop at their next step
            }
            catch (TimeoutException)
            {
                // A step that outlasts the wait (a hung device): the folder goes now, and again when the run has really
                // stopped, so nothing it writes meanwhile is left behind without an owner.
                _ = stillRunning.ContinueWith(_ => store.Delete(Id), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
        }
        foreach (var watcher in watchers) watcher.Writer.TryComplete();
        watchers.Clear();
        foreach (var name in new[] { DriveReminder, ExpireReminder })
            if (await this.GetReminder(name) is { } reminder) await this.UnregisterReminder(reminder);
        await GrainFactory.GetGrain<IGenerationIndexGrain>(spec.Tenant).RemoveAsync(Id);
        await GrainFactory.GetGrain<ITenantGrain>(spec.Tenant).ForgetAsync(Id);
        await log.DeleteAsync(Id);
        long freed = store.Delete(Id);
        await state.ClearStateAsync();
        state.State = new GenerationGrainState();
        (lastSeq, progress, run, running, cancelReason, deleting) = (0, 0, null, null, null, false);
        logged.Clear();
        LogDeleted(logger, Id, spec.Tenant, freed);
        DeactivateOnIdle();
        return freed;
    }

    GenerationStatus Status() => new(Id, state.State.State, lastSeq, state.State.Spec?.Tenant, state.State.Spec?.Prompt, state.State.CreatedAt,
        state.State.Stage, state.State.State == GenerationState.Completed ? GenerationProgress.Completed : progress, state.State.Spec?.VariationOf);

    /// <summary>
    /// Stores the state, also over an ETag conflict: an activation replaced while cut off (a partition) may have had a
    /// write retried through the cut that landed after it healed. What the state holds is the spec, which every activation
    /// shares, and where the run is, which is derived from the log, which fencing keeps to one writer; an activation
    /// reads the log when it starts anyway. So this one's view is written over the other's, not failed as a conflict.
    /// </summary>
    async Task WriteStateOverConflictAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e) when (IsConflict(e))
        {
            LogStateConflict(logger, Id);
            var mine = state.State;
            await state.ReadStateAsync(); // the stored ETag
            state.State = mine;
            await state.WriteStateAsync();
        }
        static bool IsConflict(Exception? e) => e is not null && (e is Orleans.Storage.InconsistentStateException || IsConflict(e.InnerException));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generation {Id}'s state was written by another activation since this one read it (one replaced while cut off); this one's is stored over it")]
    static partial void LogStateConflict(ILogger logger, string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Generation {Id} started for tenant {Tenant}")]
    static partial void LogStarted(ILogger logger, string id, string tenant);

    [LoggerMessage(Level = LogLevel.Information, Message = "Generation {Id} of tenant {Tenant} continued after review ({Edited} objects on edited paths)")]
    static partial void LogContinued(ILogger logger, string id, string tenant, int edited);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generation {Id} is driven again from stage {Stage} after seq {Seq}: its silo went away mid-run")]
    static partial void LogDrivenAgain(ILogger logger, string id, string stage, long seq);

    [LoggerMessage(Level = LogLevel.Information, Message = "Generation {Id} left with its silo ({Error}); another silo drives it on")]
    static partial void LogLeftMidRun(ILogger logger, string id, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generation {Id}'s log refused writer {Writer}: writer {Current} drives it now, this activation stops")]
    static partial void LogFenced(ILogger logger, string id, long writer, long current);

    [LoggerMessage(Level = LogLevel.Information, Message = "Generation {Id} of tenant {Tenant} deleted ({Bytes} bytes of artifacts freed)")]
    static partial void LogDeleted(ILogger logger, string id, string tenant, long bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Generation {Id} failed")]
    static partial void LogFailed(ILogger logger, Exception exception, string id);
}
