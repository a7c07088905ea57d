using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ttm.Models;
using Ttm.Models.Sampling;

namespace Ttm.Pipeline.Devices;

/// <summary>What a device worker is doing now, for the ops view.</summary>
public sealed record DeviceSnapshot(string Name, int QueueDepth, IReadOnlyDictionary<string, int> QueuedByTenant, int MaxBatch,
    long Batches, long Steps, double MeanBatchSize, double LastStepSeconds,
    IReadOnlyDictionary<string, int> ActiveByStage, IReadOnlyDictionary<string, int> ActiveByTenant);

/// <summary>
/// The one owner of a device's compute: a dedicated thread that takes work from a tenant-fair queue and runs it.
/// Denoising steps of different generations on the same model (different prompts, masks, step indices, guidance)
/// are evaluated in one forward pass of up to <see cref="MaxBatch"/> requests; requests join and leave between
/// steps (continuous batching). The tenant with the least device time leads each pass (<see cref="DeviceShares"/>);
/// tenants within <see cref="PartnerWindow"/> of it share the pass. Callers only await: no caller thread ever runs
/// tensor work.
/// </summary>
public sealed partial class DeviceWorker : IDisposable
{
    /// <summary>
    /// How much unused device time a tenant that was away keeps (<see cref="DeviceShares"/>): about one generation's
    /// device stages on the CPU default, so a tenant that pauses between generations has the next one served first.
    /// </summary>
    public static readonly TimeSpan DefaultCatchUpCredit = TimeSpan.FromSeconds(4);

    readonly object gate = new();
    readonly FairQueue queue;
    HashSet<string> lastServed = [];
    TimeSpan lastServedGrace;

    /// <summary>How long the device waits for the tenants of the last pass to ask for their next step before it starts one without them.</summary>
    public static readonly TimeSpan NextStepGrace = TimeSpan.FromMilliseconds(3);

    /// <summary>
    /// How long the device waits, after a job, for that tenant's next work: after segmentation its first denoising step
    /// (the stage's set-up, the segmentation event and its conditions, takes ~10 ms, and without the wait the next pass
    /// of everyone else starts first and the new generation waits that whole pass: measured 0.35 s at 8 mid-stage on 2
    /// cores); after an encode on a CPU device its next encode. After a generation's last encode nothing comes, and the
    /// device idles this long once if others wait (~1 % of a CPU generation's device time).
    /// </summary>
    public static readonly TimeSpan FirstStepGrace = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// How long the device waits for the last pass's tenants' next step when the work that would start instead is another
    /// tenant's job behind them in device time (segmentation, ~1-3 s on the CPU, not to be interrupted): a step that comes
    /// a few milliseconds late (a preview's encoding, the next stage's set-up) would otherwise wait out the whole job.
    /// The wait costs the device at most ~2 % of that job.
    /// </summary>
    public static readonly TimeSpan BeforeAJobGrace = TimeSpan.FromMilliseconds(25);
    readonly Dictionary<(string Stage, string Tenant), int> active = [];
    readonly Thread thread;
    readonly int threads;
    readonly ManualResetEventSlim started = new();
    bool stopping;
    int maxBatch;
    long batches, steps;
    double lastStepSeconds;
    long progressTimestamp = Stopwatch.GetTimestamp(); // the last pass that succeeded, or when work arrived at an idle device
    bool passRunning;
    int failedInARow; // passes that failed since the last that succeeded
    readonly ILogger logger;

    /// <param name="name">e.g. "cpu:0" or "cuda:0"</param>
    /// <param name="maxBatch">most requests per forward pass; 1 turns batching off (default: <see cref="DefaultMaxBatch"/>)</param>
    /// <param name="threads">torch intra-op threads of the device thread (default: every core); every other thread
    /// that first touches libtorch after this worker started computes with one (<see cref="ComputeThreads"/>); 0: the thread
    /// runs jobs that never touch libtorch (the segmenter's queue beside an accelerator) and claims nothing</param>
    /// <param name="catchUpCredit">how much unused device time a tenant that was away keeps (default: <see cref="DefaultCatchUpCredit"/>)</param>
    /// <param name="logger">where failed and retried passes are logged (default: nowhere)</param>
    /// <param name="metrics">the host's device instruments (default: the worker's own)</param>
    public DeviceWorker(string name = "cpu:0", int? maxBatch = null, int? threads = null, TimeSpan? catchUpCredit = null, ILogger? logger = null,
        DeviceMetrics? metrics = null)
    {
        Name = name;
        ownsMetrics = metrics is null;
        Metrics = metrics ?? new DeviceMetrics();
        this.logger = logger ?? NullLogger.Instance;
        MaxBatch = maxBatch ?? DefaultMaxBatch(name);
        PartnerWindow = DefaultPartnerWindow(name);
        queue = new FairQueue(catchUpCredit ?? DefaultCatchUpCredit);
        this.threads = threads ?? Environment.ProcessorCount;
        thread = new Thread(Loop) { IsBackground = true, Name = $"device {name}" };
        thread.Start();
        started.Wait();
        Metrics.Track(this);
    }

    public string Name { get; }

    /// <summary>Where this worker's queue, batches and steps are counted (a worker beside it on the same host shares them).</summary>
    public DeviceMetrics Metrics { get; }
    readonly bool ownsMetrics;

    /// <summary>The cores the device thread computes with (0: a jobs-only worker).</summary>
    public int Threads => threads;

    /// <summary>Made with no compute threads: a queue for jobs that never touch libtorch (the segmenter's beside an accelerator); it refuses steps.</summary>
    public bool JobsOnly => threads == 0;

    /// <summary>One lead in this many goes to waiting batch work while interactive work also waits.</summary>
    public const int BatchTurnEvery = FairQueue.BatchTurnEvery;

    /// <summary>Whether the device thread is alive and not stopping (a liveness probe's question).</summary>
    public bool IsRunning
    {
        get
        {
            lock (gate) return !stopping && thread.IsAlive;
        }
    }

    /// <summary>
    /// The batch that pays on each kind of device (<c>./ttm bench batching</c>): on an H100 one step of 32 requests
    /// costs 2.5-3× one request's (11-13× the throughput); on 2 CPU cores a request's three guidance rows already
    /// fill both cores, two requests gain 3-12 % and eight lose about 10 % (activations leave the caches).
    /// </summary>
    public static int DefaultMaxBatch(string deviceName) => BatchesWide(deviceName) ? 32 : 2;

    /// <summary>An accelerator (or its simulation): see <see cref="DeviceName.BatchesWide"/>. A worker of another name (a test's, a segmenter's queue) batches as a CPU.</summary>
    static bool BatchesWide(string deviceName) => DeviceName.TryParse(deviceName, out var device) && device.BatchesWide;

    /// <summary>
    /// How many device-seconds ahead of a pass's lead another tenant may be and still share the pass. On CUDA a
    /// partner's rows are nearly free to the lead (any tenant may join); on the CPU each partner's row costs the lead
    /// about one more step, so only tenants about even with it join, and a tenant far behind in device time (a light
    /// one beside a flood) has its passes to itself (<c>./ttm bench tenants</c>).
    /// </summary>
    public static TimeSpan DefaultPartnerWindow(string deviceName) =>
        BatchesWide(deviceName) ? TimeSpan.MaxValue : TimeSpan.FromSeconds(0.5);

    public TimeSpan PartnerWindow { get; }

    public int MaxBatch
    {
        get => Volatile.Read(ref maxBatch);
        set => Volatile.Write(ref maxBatch, value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "A batch holds at least one request."));
    }

    public int QueueDepth
    {
        get { lock (gate) return queue.Count; }
    }

    /// <summary>Queues one denoising step of <paramref name="request"/>; the result comes back when its batch ran.</summary>
    /// <param name="meter">the generation's meter, charged the step's share of its pass</param>
    public Task<StepResult> StepAsync(IStageSampler sampler, SamplingRequest request, string tenant, CancellationToken cancellationToken = default,
        WorkPriority priority = WorkPriority.Interactive, DeviceMeter? meter = null)
    {
        if (JobsOnly) throw new InvalidOperationException($"'{Name}' runs jobs only (it was made with no compute threads); denoising steps belong on a device worker.");
        var work = new StepWork(sampler, request, tenant, priority, meter);
        Enqueue(work, cancellationToken);
        return work.Completion.Task;
    }

    /// <summary>This worker as the stage runner's stepper for <paramref name="tenant"/>'s generations of that priority.</summary>
    public IDenoisingStepper StepperFor(string tenant, WorkPriority priority = WorkPriority.Interactive, DeviceMeter? meter = null) =>
        new WorkerStepper(this, tenant, priority, meter);

    /// <summary>Runs non-batchable device work (segmentation, an encode on a CPU device) on the device thread, in the tenant's turn.</summary>
    public Task<T> RunAsync<T>(Func<T> job, string tenant, CancellationToken cancellationToken = default, WorkPriority priority = WorkPriority.Interactive,
        DeviceMeter? meter = null)
    {
        var work = new JobWork<T>(job, tenant, priority, meter);
        Enqueue(work, cancellationToken);
        return work.Completion.Task;
    }

    /// <summary>
    /// For networks whose passes run on ONNX Runtime with this device's <see cref="Threads"/>: from now on the device
    /// thread's own libtorch work (guidance, Euler steps, the step cache's decisions: small tensors) computes with one
    /// core, so that no OpenMP team spins beside ONNX Runtime's threads between passes (measured in docs/benchmarks.md, Speed
    /// and memory).
    /// </summary>
    public void LeaveThePassesToOnnxRuntime()
    {
        if (JobsOnly) return;
        RunAsync(() => ComputeThreads.ClaimOne(), "device").GetAwaiter().GetResult();
    }

    /// <summary>
    /// Whether the device makes progress: null when it does, else why not. Stalled: work has waited or run for longer than
    /// <paramref name="stallAfter"/> without a pass completing (a hung forward, a wedged driver); failing: the last
    /// <see cref="FailuresBeforeUnhealthy"/> passes all failed.
    /// </summary>
    public string? Stalled(TimeSpan stallAfter)
    {
        lock (gate)
        {
            if (failedInARow >= FailuresBeforeUnhealthy) return $"the last {failedInARow} passes on {Name} failed";
            if (!passRunning && queue.Count == 0) return null;
            var since = Stopwatch.GetElapsedTime(progressTimestamp);
            return since > stallAfter ? $"no pass on {Name} completed for {since.TotalSeconds:F0} s with work {(passRunning ? "running" : "waiting")}" : null;
        }
    }

    public const int FailuresBeforeUnhealthy = 5;

    public DeviceSnapshot Snapshot()
    {
        lock (gate)
            return new DeviceSnapshot(Name, queue.Count, queue.CountByTenant(), MaxBatch, batches, steps,
                batches == 0 ? 0 : steps / (double)batches, lastStepSeconds,
                active.GroupBy(kv => kv.Key.Stage).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value)),
                active.GroupBy(kv => kv.Key.Tenant).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value)));
    }

    /// <summary>Counts a generation as in flight in <paramref name="stage"/> on this device until the result is disposed.</summary>
    public IDisposable Enter(string stage, string tenant)
    {
        var key = (stage, tenant);
        lock (gate) active[key] = active.GetValueOrDefault(key) + 1;
        var tags = new KeyValuePair<string, object?>[] { new("stage", stage), new("tenant", tenant), new("device", Name) };
        Metrics.ActiveGenerations.Add(1, tags);
        return new Leave(() =>
        {
            lock (gate)
                if ((active[key] -= 1) == 0) active.Remove(key);
            Metrics.ActiveGenerations.Add(-1, tags);
        });
    }

    sealed class Leave(Action leave) : IDisposable
    {
        int left;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref left, 1) == 0) leave();
        }
    }

    void Enqueue(DeviceWork work, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(stopping, this);
            cancellationToken.ThrowIfCancellationRequested();
            if (queue.Count == 0 && !passRunning) progressTimestamp = Stopwatch.GetTimestamp(); // an idle device owes nothing yet
            queue.Add(work);
            Monitor.Pulse(gate);
        }
        if (cancellationToken.CanBeCanceled)
            cancellationToken.Register(() =>
            {
                // Still waiting: leave the queue. Already running: the step completes and the caller drops it.
                lock (gate)
                    if (!queue.Remove(work)) return;
                work.Cancel();
            });
    }

    void Loop()
    {
        if (!JobsOnly) ComputeThreads.Claim(threads);
        started.Set();
        while (true)
        {
            List<DeviceWork> batch;
            lock (gate)
            {
                while (queue.Count == 0 && !stopping) Monitor.Wait(gate);
                // A tenant whose step just came back asks for its next one within a moment (an Euler update): wait that
                // moment, when other tenants' work would otherwise fill the pass, so it rides in every pass it can
                // instead of waiting a whole pass behind them each step.
                var grace = Stopwatch.StartNew();
                var wait = lastServedGrace;
                if (wait > TimeSpan.Zero && wait < BeforeAJobGrace && queue.NextLeadIsAJobBehind(lastServed)) wait = BeforeAJobGrace;
                while (!stopping && lastServed.Count > 0 && !lastServed.Any(queue.HasWorkFrom)
                       && grace.Elapsed < wait && Monitor.Wait(gate, wait - grace.Elapsed)) { }
                if (stopping) break;
                if (queue.Count == 0) continue; // what waited was cancelled while the device gave the last tenants their moment
                batch = queue.TakeBatch(MaxBatch, PartnerWindow.TotalSeconds);
                passRunning = true;
                lastServed = batch.Select(w => w.Tenant).ToHashSet();
                // After a job, wait for that tenant's first step only where steps run (a jobs-only queue never sees it).
                lastServedGrace = batch[0] is not IJobWork ? NextStepGrace : JobsOnly ? TimeSpan.Zero : FirstStepGrace;
            }
            foreach (var work in batch)
                Metrics.QueueSeconds.Record(Stopwatch.GetElapsedTime(work.EnqueuedTimestamp).TotalSeconds,
                    new("device", Name), new("tenant", work.Tenant), new("work", work.Kind));
            var clock = Stopwatch.StartNew();
            using var pass = StartPass(batch);
            bool succeeded = batch[0] is IJobWork job ? job.Run() : RunSteps(batch.Cast<StepWork>().ToList());
            pass?.SetStatus(succeeded ? ActivityStatusCode.Unset : ActivityStatusCode.Error);
            double passSeconds = clock.Elapsed.TotalSeconds;
            foreach (var work in batch) work.Meter?.Add(passSeconds / batch.Count);
            lock (gate)
            {
                queue.Charge(batch, passSeconds);
                passRunning = false;
                failedInARow = succeeded ? 0 : failedInARow + 1;
                if (succeeded) progressTimestamp = Stopwatch.GetTimestamp();
            }
        }
        lock (gate)
            foreach (var work in queue.Drain())
                work.Fail(new ObjectDisposedException(Name, "The device worker stopped before this work ran."));
    }

    /// <summary>
    /// A pass serves several generations: it is a trace of its own (on the device thread nothing is current), with its
    /// batch size and the generations it served as tags, and a link to each step's span in its generation's trace.
    /// </summary>
    Activity? StartPass(List<DeviceWork> batch)
    {
        Activity.Current = null;
        if (!PipelineTracing.Source.HasListeners()) return null;
        var links = batch.Where(w => w.Caller != default)
            .Select(w => new ActivityLink(w.Caller, new ActivityTagsCollection { ["ttm.tenant"] = w.Tenant, [PipelineTracing.GenerationIdTag] = w.Generation }));
        var pass = PipelineTracing.Source.StartActivity(batch[0] is IJobWork ? "device job" : "forward pass", ActivityKind.Internal,
            parentContext: default, links: links);
        return pass?.SetTag("ttm.device", Name).SetTag("ttm.batch_size", batch.Count)
            .SetTag("ttm.generations", string.Join(',', batch.Select(w => w.Generation).OfType<string>().Distinct()));
    }

    /// <returns>whether the pass succeeded (for at least one of its requests)</returns>
    bool RunSteps(List<StepWork> batch)
    {
        var clock = Stopwatch.StartNew();
        var cachedBefore = batch.Select(w => w.Request.CachedSteps).ToArray();
        IReadOnlyList<StepResult>? results = null;
        Exception? failure = null;
        try
        {
            results = Advance(batch);
        }
        catch (Exception e)
        {
            failure = e;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        Metrics.BatchSize.Record(batch.Count, new KeyValuePair<string, object?>("device", Name));
        Metrics.StepSeconds.Record(seconds, new KeyValuePair<string, object?>("device", Name));
        for (int i = 0; i < batch.Count; i++)
        {
            var (work, tenant, model) = (batch[i], new KeyValuePair<string, object?>("tenant", batch[i].Tenant), new KeyValuePair<string, object?>("model", batch[i].Sampler.Network.Config.Stage.ToString()));
            Metrics.Steps.Add(1, tenant, model);
            if (work.Request.CachedSteps > cachedBefore[i]) Metrics.CachedSteps.Add(1, tenant, model);
        }
        lock (gate)
        {
            batches++;
            steps += batch.Count;
            lastStepSeconds = seconds;
        }
        // Counted before anyone awaiting a step resumes, so a snapshot taken after a step returned includes it.
        if (failure is not null && batch.Count > 1)
        {
            LogPassFailed(logger, failure, Name, batch.Count);
            return RunAlone(batch, failure);
        }
        if (failure is not null)
        {
            LogStepFailed(logger, failure, Name, batch[0].Tenant);
            batch[0].Fail(failure);
            return false;
        }
        for (int i = 0; i < batch.Count; i++)
            if (!batch[i].Completion.TrySetResult(results![i])) results[i].Dispose();
        return true;
    }

    /// <summary>
    /// A pass of several requests failed: one bad request (a tenant's odd conditions) must not fail the others, so each
    /// that the failed pass left as it was (exact requests commit a step only when the pass succeeds) runs alone once, and
    /// only what fails alone fails. A request with a step cache may have moved its cache's state: it fails as before.
    /// </summary>
    bool RunAlone(List<StepWork> batch, Exception failure)
    {
        Metrics.RetriedPasses.Add(1, new KeyValuePair<string, object?>("device", Name));
        bool any = false;
        foreach (var work in batch)
        {
            if (!work.Request.Options.StepCache.IsOff)
            {
                LogStepFailed(logger, failure, Name, work.Tenant);
                work.Fail(failure);
                continue;
            }
            try
            {
                var result = batch[0].Sampler.Advance([work.Request])[0];
                if (!work.Completion.TrySetResult(result)) result.Dispose();
                any = true;
            }
            catch (Exception alone)
            {
                LogStepFailed(logger, alone, Name, work.Tenant);
                work.Fail(alone);
            }
        }
        return any;
    }

    /// <summary>
    /// One pass of the batch's requests; a pass that libtorch failed with a corrupt scalar (<see cref="LibtorchScalars"/>)
    /// runs once more when no request in it changed (exact requests: the sampler commits a step only when the whole
    /// pass succeeded; a step cache's state may have moved, so those fail as before).
    /// </summary>
    IReadOnlyList<StepResult> Advance(List<StepWork> batch)
    {
        var requests = batch.Select(w => w.Request).ToList();
        var stepsBefore = requests.Select(r => r.Step).ToArray();
        return LibtorchScalars.RunOnceMore(() => batch[0].Sampler.Advance(requests),
            unchanged: () => requests.All(r => r.Options.StepCache.IsOff) && requests.Select(r => r.Step).SequenceEqual(stepsBefore),
            retrying: () =>
            {
                LogPassRetried(logger, Name, batch.Count);
                Metrics.RetriedPasses.Add(1, new KeyValuePair<string, object?>("device", Name));
            });
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (stopping) return;
            stopping = true;
            Monitor.PulseAll(gate);
        }
        thread.Join();
        started.Dispose();
        Metrics.Untrack(this);
        if (ownsMetrics) Metrics.Dispose();
    }
}
