using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Silo.Placement;

namespace Ttm.Silo.Tests;

/// <summary>
/// An accelerator silo on the simulated H100 (Ttm:Device=sim:h100): a generation runs through the grains to its end on
/// the simulated passes and says so; the step cache is refused there.
/// </summary>
public sealed class SimulatedDeviceInClusterTests() : ClusterTest(1, _ => SiloRole.Accelerator,
    new Dictionary<string, string?> { ["Ttm:Device"] = "sim:h100" })
{
    static GenerationSpec Spec(StepCache stepCache = StepCache.Off) => new("tenant-a", "inputs/sample.png", "The red square moves right.",
        4, 4, 3, 1.5f, 3f, 1.5f, 3f, 2, 64, [VideoFormat.Mp4], [], "digest", null, StepCache: stepCache);

    [Fact]
    public async Task AGeneration_RunsOnTheSimulatedDevice_ToItsEnd_AndTheNoteSaysItIsSimulated()
    {
        var events = await RunToEndAsync("sim-e2e", Spec());
        var completed = Assert.IsType<GenerationCompleted>(events[^1].Update is GenerationFailed failed ? throw new Xunit.Sdk.XunitException($"{failed.Code}: {failed.Message}") : events[^1].Update);
        Assert.Contains("sim:h100 (SIMULATED", completed.Note);
        Assert.Contains(events, e => e.Update is MotionPreviewed);
        Assert.Contains(events, e => e.Update is TrajectoryFinished);
    }

    [Fact]
    public async Task TheStepCache_OnASimulatedDevice_FailsAsTheCallersError_BeforeAnyStep()
    {
        var events = await RunToEndAsync("sim-cached", Spec(StepCache.Balanced));
        var failed = Assert.IsType<GenerationFailed>(events[^1].Update);
        Assert.Equal(FailureCode.InvalidArgument, failed.Code);
        Assert.Contains("simulated", failed.Message);
        Assert.DoesNotContain(events, e => e.Update is MotionPreviewed);
    }
}
