using Ttm.Cli.Cluster;

namespace Ttm.System.Tests;

/// <summary>The capacity model multiplies the committed measurements out as docs/deploy.md says it does.</summary>
public sealed class CapacityModelTests
{
    static string Measured(string name) => Path.Combine(ServerFixture.Root, "docs", "measurements", name);

    static CapacityModel.Inputs Inputs(double redisPerSecond) =>
        CapacityModel.Inputs.Read(Measured("fleet-n8.json"), Measured("data-plane-small-1024.json"), Measured("cluster-failures.json"), new(redisPerSecond, "test"));

    [Fact]
    public void Inputs_AreTheMeasuredFields_PerGeneration()
    {
        var inputs = Inputs(24_000);
        Assert.Equal(3.36, inputs.AcceleratorHostCpuSeconds.Value);
        Assert.Equal(23.6 * 60 / 23.2, inputs.RedisOperations.Value, 6); // ops/s over generations/min, per generation
        Assert.Equal(103975072 + 102405511, inputs.StoreBytesAtDisplay1024.Value);
        Assert.All(new[] { inputs.AcceleratorHostCpuSeconds, inputs.RedisOperations, inputs.RedisBytesPerLog }, i => Assert.Contains(".json", i.Source));
    }

    [Fact]
    public void Rows_ScaleWithTheFleet_AndNameWhatRunsOutFirst()
    {
        var inputs = Inputs(24_000);
        var rows = CapacityModel.Rows(inputs, ["tiny", "small"], [1, 64]);
        var (tiny1, tiny64, small64) = (rows[0], rows[1], rows[3]);
        Assert.Equal(60 / tiny1.DeviceSecondsPerGeneration, tiny1.GenerationsPerMinute, 6);
        Assert.Equal(64 * tiny1.GenerationsPerMinute, tiny64.GenerationsPerMinute, 3);
        Assert.Equal(tiny1.AcceleratorHostCoresPerGpu, tiny64.AcceleratorHostCoresPerGpu, 6); // per GPU: the fleet's size does not change it
        Assert.Equal(tiny64.GenerationsPerMinute / 60 * inputs.RedisOperations.Value / 24_000, tiny64.RedisShare, 6);
        Assert.Contains("GPU host's CPU", tiny1.Limit);
        Assert.DoesNotContain("Redis", tiny1.Limit);
        Assert.Contains("one Redis", tiny64.Limit); // 64 tiny GPUs ask more of one Redis than it takes
        Assert.Equal("the GPUs", small64.Limit);
        Assert.True(small64.DeviceSecondsPerGeneration > 10 * tiny1.DeviceSecondsPerGeneration);
    }
}
