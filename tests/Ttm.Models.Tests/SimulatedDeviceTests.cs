using System.Diagnostics;
using Ttm.Models.Sampling;
using Ttm.Models.Simulation;
using static TorchSharp.torch;

namespace Ttm.Models.Tests;

/// <summary>The simulated accelerator: selected only by its exact name, timed by its cost model (the H100 measurements), zeros of the right shape.</summary>
public sealed class SimulatedDeviceTests
{
    [Theory]
    [InlineData("sim")]
    [InlineData("sim:")]
    [InlineData("sim:a100")]
    [InlineData("sim:h100:0")]
    [InlineData("simulated")]
    public void OnlyAKnownProfile_SelectsASimulatedDevice(string name)
    {
        Assert.False(DeviceName.TryParse(name, out _));
        var error = Assert.Throws<ArgumentException>(() => DeviceName.Parse(name));
        Assert.Contains("sim:h100", error.Message);
        Assert.Throws<ArgumentException>(() => TorchDevices.Parse(name));
    }

    [Fact]
    public void TheSimulatedH100_IsNamedSo_KeepsTensorsOnTheHost_AndRunsNoNetwork()
    {
        var device = DeviceName.Parse(" SIM:H100 ");
        Assert.Equal((DeviceKind.Simulated, "h100", "sim:h100"), (device.Kind, device.Profile, device.ToString()));
        Assert.Contains("SIMULATED", device.Label);
        Assert.Equal("cpu:0", DeviceName.LabelOf("cpu:0"));
        Assert.True(device.BatchesWide);
        Assert.Equal(TorchSharp.DeviceType.CPU, TorchDevices.Parse("sim:h100").type);
        Assert.Equal(NetworkRuntime.Simulated, NetworkRuntimes.For("sim:h100"));
        Assert.Throws<ArgumentException>(() => NetworkRuntimes.For("sim:h100", "libtorch"));
        Assert.Equal(NetworkRuntime.OnnxRuntime, NetworkRuntimes.For("cpu:0")); // the default device is never the simulation
    }

    [Fact]
    public void TheCostModel_ReadsTheH100Measurements_NonDecreasing_AndScalesOtherSizesByFlops()
    {
        var tiny = TtmConfig.Named("tiny");
        var motion = tiny with { Stage = ModelStage.Motion };
        var video = tiny with { Stage = ModelStage.Video };
        var h100 = DeviceCostModel.H100;
        Assert.Equal(11.67, h100.PassSeconds(motion, 3) * 1000, 3);       // measured: 3 rows
        Assert.Equal(11.67, h100.PassSeconds(motion, 1) * 1000, 3);       // below the first point: its time
        Assert.Equal(19.32, h100.PassSeconds(motion, 36) * 1000, 2);      // between 24 (19.27) and 48 (19.37)
        Assert.Equal(20.19, h100.PassSeconds(video, 3) * 1000, 3);        // 25.14 measured at 3 rows, slower than at 12: warm-up noise
        Assert.Equal(63.87 + (63.87 - 34.59) / 48 * 96, h100.PassSeconds(video, 192) * 1000, 3); // past 96 rows: the last segment
        for (int rows = 1; rows < 200; rows++)
            Assert.True(h100.PassSeconds(video, rows + 1) >= h100.PassSeconds(video, rows), $"{rows + 1} rows cost less than {rows}");
        var small = TtmConfig.Named("small") with { Stage = ModelStage.Video };
        Assert.True(h100.PassSeconds(small, 3) > 2 * h100.PassSeconds(video, 3), "a larger network should cost more per pass");
        Assert.Throws<NotSupportedException>(() => h100.PassSeconds(TestWorld.UnetConfig(ModelStage.Video), 3));
    }

    [Fact]
    public void ASimulatedPass_TakesItsCostModelsTime_AndPredictsZeros_SoTheFlowSamplerKeepsItsNoise()
    {
        var config = TestWorld.Config(ModelStage.Motion, prediction: Prediction.Velocity);
        using var model = new VideoDit(config);
        var pass = new SimulatedForward(config, DeviceCostModel.H100);
        var sampler = new FlowSampler(model, pass);
        Assert.Equal(NetworkRuntime.Simulated, sampler.Runtime);
        using var conditions = TestWorld.Conditions(config, 2, seed: 3);
        var options = new SamplingOptions(4, GuidanceScales.Default, 5);
        using var start = sampler.Start(conditions, options);
        using var noise = start.State.clone();
        var clock = Stopwatch.StartNew();
        using var sample = sampler.Sample(conditions, options);
        double expected = 4 * DeviceCostModel.H100.PassSeconds(config, 3); // four steps of three guidance rows
        Assert.True(clock.Elapsed.TotalSeconds >= expected * 0.95, $"4 simulated passes took {clock.Elapsed.TotalSeconds:F3} s, less than the model's {expected:F3} s");
        Assert.Equal(4, pass.Passes);
        Assert.Equal(0f, (noise - sample).abs().max().item<float>()); // zero velocity leaves the flow sampler's noise as it was

        var cached = options with { Cache = StepCachePolicy.Balanced };
        Assert.Throws<NotSupportedException>(() => sampler.Sample(conditions, cached));
    }
}
