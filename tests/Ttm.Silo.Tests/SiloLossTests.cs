using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Xunit.Abstractions;
using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Silo.Placement;

namespace Ttm.Silo.Tests;

/// <summary>
/// An accelerator silo dies or is shut down while it runs a generation's device stages: the generation's runner asks again,
/// the stages continue on the other accelerator silo from their checkpoints in the shared store, and the
/// watcher sees every event once and a completed generation.
/// </summary>
public sealed class SiloLossTests(ITestOutputHelper output) : ClusterTest(3, n => n == 1 ? SiloRole.Plain : SiloRole.Accelerator)
{
    [Theory]
    [InlineData(false)] // killed: the process vanishes
    [InlineData(true)] // stopped: a rolling update or scale-down shuts it down
    public async Task LosingTheAcceleratorMidStage_ContinuesOnAnother_WithoutRepeatingEvents(bool graceful)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var management = Cluster.Client.GetGrain<IManagementGrain>(0);
        async Task<SiloAddress?> Where(Type grain, string id) => // GrainType reads "Namespace.Class,Assembly"
            (await management.GetDetailedGrainStatistics()).FirstOrDefault(a => a.GrainType.StartsWith(grain.FullName + ",") && a.GrainId.Key.ToString() == id)?.SiloAddress;
        bool IsAccelerator(SiloAddress silo) => Cluster.GetSiloServiceProvider(silo).GetRequiredService<SiloRole>().IsAccelerator;

        // A generation whose grain sits on the plain silo, so that its device stages run on an accelerator silo that
        // holds nothing else of it. Started from the plain silo, which placement prefers when silos look alike (all
        // share this process); one placed elsewhere all the same is cancelled and another started.
        var plain = Cluster.Silos.Single(s => !IsAccelerator(s.SiloAddress)).SiloAddress;
        var grains = Cluster.GetSiloServiceProvider(plain).GetRequiredService<IGrainFactory>();
        string? chosen = null;
        for (int i = 0; chosen is null; i++)
        {
            Assert.True(i < 30, "30 generation grains in a row were placed on accelerator silos");
            var id = $"gen-loss-{i}";
            var grain = grains.GetGrain<IGenerationGrain>(id);
            await grain.StartAsync(new GenerationSpec("tenant-a", "inputs/sample.png",
                "The red square moves right while the white square slides down slowly.", i, 24, 24, 1.5f, 3f, 1.5f, 3f, 4, 64, [VideoFormat.Mp4], [], $"digest-{i}", null));
            if (await Where(typeof(GenerationGrain), id) is { } owner && !IsAccelerator(owner)) chosen = id;
            else await grain.CancelAsync("placed on an accelerator silo; the test needs one on the plain silo");
        }
        SiloAddress? victim = null;
        while ((victim = await Where(typeof(DeviceStagesGrain), chosen)) is null)
            await Task.Delay(50, timeout.Token);
        var survivor = Cluster.Silos.Single(s => !s.SiloAddress.Equals(victim) && IsAccelerator(s.SiloAddress)).SiloAddress;

        // Kill the victim once stage 1 is under way (a checkpoint every 4 steps), then watch to the end.
        var events = new List<GenerationEvent>();
        bool killed = false;
        await foreach (var e in Cluster.Client.GetGrain<IGenerationGrain>(chosen).WatchAsync(0, timeout.Token).WithCancellation(timeout.Token))
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {e.Seq} {e.Update}");
            events.Add(e);
            if (!killed && e.Update is MotionPreviewed { Step: >= 8 })
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {(graceful ? "stopping" : "killing")} {victim}, which runs {chosen}'s device stages");
                var handle = Cluster.Silos.Single(s => s.SiloAddress.Equals(victim));
                if (graceful) await Cluster.StopSiloAsync(handle);
                else await Cluster.KillSiloAsync(handle);
                killed = true;
            }
        }
        var last = Assert.IsType<GenerationCompleted>(events[^1].Update);
        Assert.True(killed, "the generation finished stage 1 before the test could kill its silo");
        var resumed = Regex.Match(last.Note, $@"^device stages ran on {Regex.Escape(survivor.ToString())} \(cpu:0, DiT \(flow matching\) backbone\); continued from checkpoints: motion from step (\d+)(, video from step \d+)?$");
        Assert.True(resumed.Success, last.Note);
        Assert.InRange(int.Parse(resumed.Groups[1].Value), 8, 24); // not from noise: from the checkpoint the lost silo saved
        var previews = events.Select(e => e.Update).Where(u => u is MotionPreviewed or VideoPreviewed).ToList();
        Assert.Equal(previews.Distinct().Count(), previews.Count); // nothing passed on twice (records compare by value)
        Assert.Single(events, e => e.Update is TrajectoryFinished);
        Assert.Single(events, e => e.Update is ObjectsSegmented);
    }
}
