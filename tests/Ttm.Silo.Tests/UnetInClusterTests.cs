using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Hosting;
using Ttm.Silo.Placement;

namespace Ttm.Silo.Tests;

/// <summary>The served path on the shipped U-Net (models/tiny-unet): a generation through the grains to its video, and the step cache refused.</summary>
public sealed class UnetInClusterTests() : ClusterTest(1, _ => SiloRole.Accelerator,
    new Dictionary<string, string?> { ["Ttm:Models"] = Path.Combine(Repository.Root, "models", "tiny-unet") })
{
    static GenerationSpec Spec(StepCache stepCache = StepCache.Off) => new("tenant-a", "inputs/sample.png", "The red square moves right.",
        3, 3, 3, 1.5f, 3f, 1.5f, 3f, 2, 64, [VideoFormat.Mp4], [], "digest", null, StepCache: stepCache);

    [Fact]
    public async Task AGeneration_RunsOnTheUnet_ToItsVideo_AndTheNoteNamesTheBackbone()
    {
        var events = await RunToEndAsync("unet-e2e", Spec());
        var completed = Assert.IsType<GenerationCompleted>(events[^1].Update);
        Assert.Contains("U-Net (DDIM, v-prediction) backbone", completed.Note);
        Assert.True(File.Exists(new DirectoryArtifactStore(Store).PathOf(completed.Artifacts["mp4"])));
        Assert.Contains(events, e => e.Update is TrajectoryFinished);
    }

    [Fact]
    public async Task TheStepCache_AskedOfAUnet_FailsAsTheCallersError_BeforeAnyStep()
    {
        var events = await RunToEndAsync("unet-cached", Spec(StepCache.Balanced));
        var failed = Assert.IsType<GenerationFailed>(events[^1].Update);
        Assert.Equal(FailureCode.InvalidArgument, failed.Code);
        Assert.Contains("step cache", failed.Message);
        Assert.DoesNotContain(events, e => e.Update is MotionPreviewed);
    }
}
