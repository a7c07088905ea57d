using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Ttm.Grains.Tests;

/// <summary>A runner the test drives: each event it yields is one the test released; it counts runs and sees cancellation.</summary>
public sealed class ScriptedRunner : IGenerationRunner
{
    readonly Channel<GenerationEvent> script = Channel.CreateUnbounded<GenerationEvent>();
    int runs;

    public int Runs => runs;
    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release(GenerationEventKind kind, int step = 0, int steps = 0) =>
        script.Writer.TryWrite(new GenerationEvent(0, default, kind, Step: step, Steps: steps));

    public void Finish() => script.Writer.TryComplete();

    public async IAsyncEnumerable<GenerationEvent> RunAsync(string generationId, GenerationSpec spec, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref runs);
        using var registration = cancellationToken.Register(() => Cancelled.TrySetResult());
        try
        {
            await foreach (var e in script.Reader.ReadAllAsync(cancellationToken))
            {
                yield return e;
                if (e.Kind is GenerationEventKind.Completed) yield break;
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
