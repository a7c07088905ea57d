using Orleans.Runtime;

namespace Ttm.Silo.Placement;

/// <summary>
/// The device work queued on each accelerator silo, in device seconds (<see cref="Models.Simulation.DeviceCostModel.GenerationSeconds"/>:
/// rows × tokens × steps read through the measured curves), and where a generation's device stages go: to the accelerator
/// that would finish them soonest, its queued seconds plus theirs. A choice by count puts a 4-step generation behind a
/// 64-step one as readily as beside an idle device; by queued seconds it goes to the idle one. A generation's seconds
/// count on its silo from its placement until its device stages end (<see cref="Finish"/>). Ties go to the silo with
/// fewer generations, then to the one chosen least recently (never chosen: the first in the list): idle accelerators take
/// turns, so the host work beside each generation's device stages (segmentation, previews) spreads over their hosts
/// instead of landing on the first whenever the queues are empty.
/// </summary>
/// <remarks>
/// Every accelerator is taken to run the same networks on the same kind of device, so one estimate of a generation's
/// seconds holds on any of them; what a pass shares with its batch partners is left out (the order it gives is the same).
/// </remarks>
public sealed class AcceleratorQueues
{
    readonly Dictionary<string, (SiloAddress Silo, double Seconds)> placed = [];
    readonly Dictionary<SiloAddress, long> lastChosen = [];
    long choices;

    /// <summary>Records <paramref name="generationId"/>'s <paramref name="seconds"/> on the accelerator it chooses among <paramref name="accelerators"/>.</summary>
    /// <exception cref="ArgumentException">no accelerator to choose from</exception>
    public SiloAddress Choose(string generationId, double seconds, IReadOnlyList<SiloAddress> accelerators)
    {
        if (accelerators.Count == 0) throw new ArgumentException("There is no accelerator to place device stages on.", nameof(accelerators));
        placed.Remove(generationId); // placed again (its silo was lost): the earlier entry is stale
        var chosen = accelerators.MinBy(s => (Math.Round(QueuedSeconds(s) + seconds, 6), Queued(s), lastChosen.GetValueOrDefault(s, -1)))!; // to the microsecond: sums in another order tie
        placed[generationId] = (chosen, seconds);
        lastChosen[chosen] = choices++;
        return chosen;
    }

    /// <summary>The generation's device stages ended (however): its seconds leave its silo's queue.</summary>
    public void Finish(string generationId) => placed.Remove(generationId);

    public double QueuedSeconds(SiloAddress silo) => placed.Values.Where(p => p.Silo.Equals(silo)).Sum(p => p.Seconds);

    /// <summary>Generations placed on <paramref name="silo"/> whose device stages have not ended.</summary>
    public int Queued(SiloAddress silo) => placed.Values.Count(p => p.Silo.Equals(silo));
}
