using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Ttm.Contracts;

namespace Ttm.Grains.Tests;

/// <summary>
/// A runner the test drives: each update it yields is one the test released to the latest run (a run driven again
/// gets a script of its own, so a run left behind on a killed silo takes nothing from it); it counts runs, keeps what each
/// run continued (null for a run from the start) and sees cancellation. A run ends after completion or awaiting review.
/// </summary>
public sealed class ScriptedRunner : IGenerationRunner
{
    readonly List<Channel<GenerationUpdate>> scripts = [Channel.CreateUnbounded<GenerationUpdate>()];
    int runs;

    public int Runs => Volatile.Read(ref runs);
    public List<GenerationContinuation?> Continuations { get; } = [];
    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>What a run waits for after yielding its review before it returns, as a real run winds down (spans, leases).</summary>
    public Task WindDown { get; set; } = Task.CompletedTask;

    public void Release(GenerationUpdate update)
    {
        lock (scripts) scripts[^1].Writer.TryWrite(update);
    }

    public void Finish()
    {
        lock (scripts) scripts[^1].Writer.TryComplete();
    }

    public async IAsyncEnumerable<GenerationUpdate> RunAsync(string generationId, GenerationSpec spec, GenerationContinuation? continuation,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int run = Interlocked.Increment(ref runs);
        Channel<GenerationUpdate> script;
        lock (scripts)
        {
            Continuations.Add(continuation);
            while (scripts.Count < run) scripts.Add(Channel.CreateUnbounded<GenerationUpdate>());
            script = scripts[run - 1];
        }
        using var registration = cancellationToken.Register(() => Cancelled.TrySetResult());
        try
        {
            await foreach (var e in script.Reader.ReadAllAsync(cancellationToken))
            {
                yield return e;
                if (e is AwaitingReview) await WindDown;
                if (e is GenerationCompleted or AwaitingReview) yield break;
            }
        }
        finally
        {
            // The token's other callback (the channel's wait) can resume this iterator on the grain's scheduler,
            // which disposes the registration above before the token reaches it: see cancellation here too.
            if (cancellationToken.IsCancellationRequested) Cancelled.TrySetResult();
        }
    }
}

/// <summary>One update of each kind, as a runner would yield them.</summary>
public static class SampleUpdates
{
    public static readonly GenerationUpdate Plan = new GenerationPlanned(new PromptPlan("p", "m", [], "rules"));
    public static readonly GenerationUpdate Segmentation = new ObjectsSegmented("gen/segmentation.png", []);
    public static readonly GenerationUpdate MotionDone = new TrajectoryFinished("gen/trajectory.png");
    public static readonly GenerationUpdate Review = new AwaitingReview("gen/trajectory.png", ["red square", "blue circle"], 128, 128);
    public static readonly GenerationUpdate VideoPreview = new VideoPreviewed(1, 1, "gen/previews/video-001.png");
    public static readonly GenerationUpdate VideoChunk = new VideoChunkStored(0, "gen/chunks/0000.mp4", true);
    public static readonly GenerationUpdate Completed = new GenerationCompleted(new Dictionary<string, string>(), new Dictionary<GenerationStage, double>(), "");
    public static GenerationUpdate MotionPreview(int step = 1, int steps = 1) => new MotionPreviewed(step, steps, $"gen/previews/motion-{step:D3}.png");
}
