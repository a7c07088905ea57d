using System.Net;
using Orleans.Runtime;
using Ttm.Models.Simulation;
using Ttm.Silo.Placement;

namespace Ttm.Silo.Tests;

/// <summary>
/// Where device stages go by queued work (<see cref="AcceleratorQueues"/>): beside a big job the next small ones go
/// elsewhere, and on a skewed burst the busiest accelerator ends far sooner than by count.
/// </summary>
public sealed class AcceleratorQueuesTests
{
    static readonly SiloAddress[] Accelerators = Enumerable.Range(0, 4).Select(i => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111 + i), 1)).ToArray();

    static double Seconds(int steps) => DeviceCostModel.H100.GenerationSeconds(DeviceCostModel.Tiny.Motion, DeviceCostModel.Tiny.Video, steps, steps);

    [Fact]
    public void SmallJobs_AfterABigOne_GoToTheOtherAccelerators_UntilTheirQueuesReachIt()
    {
        var queues = new AcceleratorQueues();
        var two = Accelerators[..2];
        Assert.Equal(two[0], queues.Choose("big", Seconds(64), two));
        // 64 + 64 steps are 16 generations of 4 + 4: the first 16 small ones all go to the idle accelerator.
        var small = Enumerable.Range(0, 16).Select(i => queues.Choose($"small-{i}", Seconds(4), two)).ToList();
        Assert.All(small, s => Assert.Equal(two[1], s));
        Assert.Equal(queues.QueuedSeconds(two[0]), queues.QueuedSeconds(two[1]), 9);
        Assert.Equal(two[0], queues.Choose("tie", Seconds(4), two)); // equal seconds: the one with fewer generations
    }

    [Fact]
    public void IdleAccelerators_TakeTurns_WhenEachJobEndsBeforeTheNextArrives()
    {
        var queues = new AcceleratorQueues();
        var chosen = Enumerable.Range(0, 8).Select(i =>
        {
            var silo = queues.Choose($"short-{i}", Seconds(4), Accelerators);
            queues.Finish($"short-{i}"); // the queues are empty at every arrival: every choice is a tie
            return silo;
        }).ToList();
        Assert.Equal(Accelerators.Concat(Accelerators), chosen);
    }

    [Fact]
    public void AFinishedJob_LeavesItsAcceleratorsQueue()
    {
        var queues = new AcceleratorQueues();
        var two = Accelerators[..2];
        queues.Choose("big", Seconds(64), two);
        queues.Choose("small", Seconds(4), two);
        queues.Finish("big");
        Assert.Equal(0, queues.QueuedSeconds(two[0]));
        Assert.Equal(two[0], queues.Choose("next", Seconds(8), two));
        // Placed again (its silo was lost): counted once, on its new silo.
        queues.Choose("next", Seconds(8), two[1..]);
        Assert.Equal(0, queues.Queued(two[0]));
        Assert.Equal(2, queues.Queued(two[1]));
    }

    [Fact]
    public void ASkewedBurst_EndsWithinGrahamsBound_AndFarSoonerThanByCount()
    {
        // Every fourth generation is a long batch job (64 + 64 steps), the rest previews (4 + 4), all queued at once.
        var jobs = Enumerable.Range(0, 32).Select(i => Seconds(i % 4 == 0 ? 64 : 4)).ToList();
        int n = Accelerators.Length;
        var queues = new AcceleratorQueues();
        var byWork = new double[n];
        for (int i = 0; i < jobs.Count; i++) byWork[Array.IndexOf(Accelerators, queues.Choose($"g{i}", jobs[i], Accelerators))] += jobs[i];
        // By count (fewest generations queued, the first on a tie): the long jobs all land on the same accelerator.
        var byCount = new double[n];
        var counts = new int[n];
        for (int i = 0; i < jobs.Count; i++)
        {
            int s = Array.IndexOf(counts, counts.Min());
            counts[s]++;
            byCount[s] += jobs[i];
        }
        double lowerBound = Math.Max(jobs.Sum() / n, jobs.Max());
        // Greedy list scheduling ends by sum/n + (1 − 1/n)·max ≤ (2 − 1/n)·bound (Graham, 1966).
        Assert.InRange(byWork.Max(), lowerBound, (2 - 1.0 / n) * lowerBound);
        Assert.True(byCount.Max() > 1.5 * byWork.Max(), $"by count {byCount.Max():F3} s, by work {byWork.Max():F3} s, lower bound {lowerBound:F3} s");
    }
}
