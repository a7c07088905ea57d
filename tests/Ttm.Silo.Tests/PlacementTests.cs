using Microsoft.Extensions.DependencyInjection;
using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Silo.Placement;

namespace Ttm.Silo.Tests;

/// <summary>
/// Two silos in one process, one plain and one accelerator (both on the CPU here): generations started from the
/// client complete, and their segmentation and denoising run only on the accelerator silo. At display 256 their frames
/// (8 × 256² × 3 B, 1.5 MiB a video) are past the tests' 1 MiB grain message limit: they must travel through the store.
/// </summary>
public sealed class PlacementTests() : ClusterTest(2, n => n == 1 ? SiloRole.Plain : SiloRole.Accelerator)
{
    [Fact]
    public async Task StageWork_LandsOnlyOnTheAcceleratorSilo_AndGenerationsComplete()
    {
        var accelerator = Cluster.Silos.Single(s => Cluster.GetSiloServiceProvider(s.SiloAddress).GetRequiredService<SiloRole>().IsAccelerator).SiloAddress.ToString();
        var ids = Enumerable.Range(0, 6).Select(i => $"gen-placement-{i}").ToList(); // enough that some generation grains sit on the plain silo
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
            await Cluster.Client.GetGrain<IGenerationGrain>(id).StartAsync(new GenerationSpec("tenant-a", "inputs/sample.png",
                "The red square moves right while the white square slides down slowly.", i, 2, 2, 1.5f, 3f, 1.5f, 3f, 0, 256, [VideoFormat.Mp4], [], $"digest-{i}", null));

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        foreach (var id in ids)
        {
            GenerationEvent? last = null;
            await foreach (var e in Cluster.Client.GetGrain<IGenerationGrain>(id).WatchAsync(0, timeout.Token).WithCancellation(timeout.Token)) last = e;
            var completed = Assert.IsType<GenerationCompleted>(last!.Update);
            Assert.Equal($"device stages ran on {accelerator} (cpu:0, DiT (flow matching) backbone)", completed.Note);
            Assert.False(Directory.Exists(Path.Combine(Store, id, "frames"))); // the handed-over frames go once encoded
        }
        // Some generation grains sat on the plain silo, so their rendered frames crossed silos (through the store).
        var plain = Cluster.Silos.Single(s => s.SiloAddress.ToString() != accelerator).SiloAddress;
        var onPlain = await Cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(hostsIds: [plain]);
        Assert.Contains(onPlain, g => g.GrainType.Contains("GenerationGrain", StringComparison.Ordinal));
    }
}

/// <summary>
/// A Cluster with no accelerator silo: generations wait for one to join (Ttm:AcceleratorWaitSeconds, three here), then fail
/// saying what is missing, and nothing loads a network.
/// </summary>
public sealed class NoAcceleratorTests() : ClusterTest(1, _ => SiloRole.Plain, new Dictionary<string, string?> { ["Ttm:AcceleratorWaitSeconds"] = "3" })
{
    [Fact]
    public async Task AGeneration_WaitsForAnAccelerator_ThenFailsWithTheMissingRole()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var grain = Cluster.Client.GetGrain<IGenerationGrain>("gen-nowhere");
        await grain.StartAsync(new GenerationSpec("tenant-a", "inputs/sample.png", "The red square moves right.", 1, 2, 2, 1.5f, 3f, 1.5f, 3f, 0, 64, [VideoFormat.Mp4], [], "d", null));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        GenerationEvent? last = null;
        await foreach (var e in grain.WatchAsync(0, timeout.Token).WithCancellation(timeout.Token)) last = e;
        var failed = Assert.IsType<GenerationFailed>(last!.Update);
        Assert.Contains("ttm.role=accelerator", failed.Message);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(3), $"it failed after {clock.Elapsed.TotalSeconds:F1} s, without waiting for an accelerator to join");
        var silo = Cluster.Silos.Single();
        Assert.Null(Cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<Telemetry.LoadedModels>().Models);
    }
}

/// <summary>The cluster's last accelerator is gone and its replacement is starting: a generation waits for it, then runs there.</summary>
public sealed class AcceleratorJoiningLateTests() : ClusterTest(1, n => n == 1 ? SiloRole.Plain : SiloRole.Accelerator)
{
    [Fact]
    public async Task AGeneration_StartedWithNoAccelerator_CompletesOnTheOneThatJoinsLater()
    {
        var grain = Cluster.Client.GetGrain<IGenerationGrain>("gen-late");
        await grain.StartAsync(new GenerationSpec("tenant-a", "inputs/sample.png", "The red square moves right.", 1, 2, 2, 1.5f, 3f, 1.5f, 3f, 0, 64, [VideoFormat.Mp4], [], "d", null));
        await Task.Delay(TimeSpan.FromSeconds(3)); // it asked for an accelerator and found none
        Assert.Equal(GenerationState.Running, (await grain.GetStatusAsync()).State);
        await Cluster.StartAdditionalSiloAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        GenerationEvent? last = null;
        await foreach (var e in grain.WatchAsync(0, timeout.Token).WithCancellation(timeout.Token)) last = e;
        Assert.IsType<GenerationCompleted>(last!.Update);
    }
}
