using System.Diagnostics;
using Ttm.Contracts;

namespace Ttm.Pipeline;

/// <summary>
/// Which stage a generation is in and how long each one took: <see cref="Enter"/> closes the running stage's
/// time and starts the next. Written by the thread doing the work, read by whoever reports on it.
/// </summary>
public sealed class StageClock(GenerationStage first)
{
    readonly object gate = new();
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly Dictionary<GenerationStage, double> seconds = [];
    GenerationStage current = first;

    public GenerationStage Current
    {
        get { lock (gate) return current; }
    }

    public void Enter(GenerationStage next)
    {
        lock (gate)
        {
            if (next == current) return;
            seconds[current] = clock.Elapsed.TotalSeconds;
            current = next;
            clock.Restart();
        }
    }

    /// <summary>The finished stages' seconds, and the running one's so far.</summary>
    public Dictionary<GenerationStage, double> Seconds()
    {
        lock (gate) return new(seconds) { [current] = clock.Elapsed.TotalSeconds };
    }
}
