using Ttm.Models.Sampling;
using Ttm.Grains;
using Ttm.Pipeline;

namespace Ttm.Silo.Tests;

/// <summary>Stage checkpoints in the artifact store: what one silo saves another reads back exactly, per generation and stage.</summary>
public sealed class ArtifactStageCheckpointsTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("ttm-checkpoints-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task ASavedCheckpoint_ReadsBackExactly_AndOnlyForItsGenerationAndStage()
    {
        var store = new DirectoryArtifactStore(root);
        var latent = Enumerable.Range(0, 3 * 8 * 32 * 32).Select(i => MathF.Sin(i) * 3).ToArray();
        await new ArtifactStageCheckpoints(store, "gen-a").SaveAsync(PipelineStage.Motion, new StageCheckpoint(12, latent), CancellationToken.None);

        var read = await new ArtifactStageCheckpoints(store, "gen-a").LoadAsync(PipelineStage.Motion, CancellationToken.None);
        Assert.Equal(12, read!.Step);
        Assert.Equal(latent, read.Latent);
        Assert.Null(await new ArtifactStageCheckpoints(store, "gen-a").LoadAsync(PipelineStage.Video, CancellationToken.None));
        Assert.Null(await new ArtifactStageCheckpoints(store, "gen-b").LoadAsync(PipelineStage.Motion, CancellationToken.None));
    }

    [Fact]
    public async Task ATruncatedCheckpoint_IsRefusedWithItsKey()
    {
        var store = new DirectoryArtifactStore(root);
        await store.PutAsync("gen-a/checkpoints/motion.bin", new byte[7], CancellationToken.None);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new ArtifactStageCheckpoints(store, "gen-a").LoadAsync(PipelineStage.Motion, CancellationToken.None));
        Assert.Contains("gen-a/checkpoints/motion.bin", error.Message);
    }
}
