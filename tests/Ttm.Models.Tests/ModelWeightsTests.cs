using Ttm.Models.Weights;
using static TorchSharp.torch;

namespace Ttm.Models.Tests;

public sealed class ModelWeightsTests : IDisposable
{
    readonly string directory = Directory.CreateTempSubdirectory("ttm-weights-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void SaveThenLoad_RoundTripsEveryTensorExactly()
    {
        var config = TestWorld.Config(ModelStage.Video);
        using var model = new VideoDit(config);
        TestWorld.Randomise(model);
        ModelWeights.Save(model, directory);
        using var loaded = ModelWeights.Load(directory);
        Assert.Equal(config, loaded.Config);
        var expected = model.state_dict();
        foreach (var (name, tensor) in loaded.state_dict())
            Assert.True(tensor.eq(expected[name]).all().item<bool>(), $"tensor {name} changed in the round trip");
    }

    [Fact]
    public void Unet_SaveThenLoad_RoundTripsEveryTensorExactly()
    {
        var config = TestWorld.UnetConfig(ModelStage.Video);
        using var model = new VideoUnet(config);
        TestWorld.Randomise(model);
        ModelWeights.Save(model, directory);
        using var loaded = ModelWeights.LoadNetwork(directory);
        Assert.IsType<VideoUnet>(loaded);
        Assert.Equal(config, loaded.Config);
        var expected = model.state_dict();
        Assert.Equal(expected.Count, loaded.state_dict().Count);
        foreach (var (name, tensor) in loaded.state_dict())
            Assert.True(tensor.eq(expected[name]).all().item<bool>(), $"tensor {name} changed in the round trip");
        var error = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(directory)); // the DiT-only path refuses it by name
        Assert.Contains("Unet", error.Message);
    }

    [Fact]
    public void Unet_LoadWeightsOfAnotherShape_NamesTheTensor()
    {
        var config = TestWorld.UnetConfig(ModelStage.Video);
        using var small = new VideoUnet(config);
        ModelWeights.Save(small, directory);
        // Same config file, but the weights come from a U-Net with wider levels.
        using var wide = new VideoUnet(config with { Unet = config.UnetShape with { Channels = 24 } });
        wide.save_safetensors_to(Path.Combine(directory, ModelWeights.WeightsFile));
        var error = Assert.Throws<InvalidDataException>(() => ModelWeights.LoadNetwork(directory));
        Assert.Contains("timeEmbed.fc1.weight", error.Message);
        Assert.Contains("[96, 256]", error.Message);
        Assert.Contains("[64, 256]", error.Message);
    }

    [Fact]
    public void Load_WeightsOfAnotherShape_NamesTheTensor()
    {
        using var small = new VideoDit(TestWorld.Config(ModelStage.Video));
        ModelWeights.Save(small, directory);
        // Same config file, but the weights come from a wider network.
        using var wide = new VideoDit(TestWorld.Config(ModelStage.Video) with { Hidden = 48 });
        var file = Path.Combine(directory, ModelWeights.WeightsFile);
        wide.save_safetensors_to(file);
        var error = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(directory));
        Assert.Contains("framePos", error.Message);
        Assert.Contains("[4, 48]", error.Message);
    }

    [Fact]
    public void Load_WeightsOfAnotherVariant_NamesTheMissingTensor()
    {
        using var noMask = new VideoDit(TestWorld.Config(ModelStage.Video, TtmVariant.NoMask));
        ModelWeights.Save(noMask, directory);
        File.WriteAllText(Path.Combine(directory, ModelWeights.ConfigFile), TestWorld.Config(ModelStage.Video).ToJson());
        var error = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(directory));
        Assert.Contains("lacks tensor 'blocks.0.", error.Message);
    }

    [Fact]
    public void Load_NotASafetensorsFile_SaysSo()
    {
        using var model = new VideoDit(TestWorld.Config(ModelStage.Motion));
        ModelWeights.Save(model, directory);
        File.WriteAllText(Path.Combine(directory, ModelWeights.WeightsFile), "not weights at all");
        var error = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(directory));
        Assert.Contains("not a safetensors file", error.Message);
    }
}

static class SaveExtensions
{
    public static void save_safetensors_to(this VideoDenoiser model, string file) =>
        TorchSharp.PyBridge.PyBridgeModuleExtensions.save_safetensors(model, file);
}
