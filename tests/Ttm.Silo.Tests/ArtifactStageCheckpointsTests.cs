using Ttm.Contracts;
using Ttm.Hosting;
using Ttm.Models.Sampling;
using Ttm.Grains;
using Ttm.Pipeline;

namespace Ttm.Silo.Tests;

/// <summary>
/// Stage checkpoints in the artifact store: what one silo saves another reads back exactly, per generation and stage,
/// and only for the same model and request; a torn or corrupt file is never continued from.
/// </summary>
public sealed class ArtifactStageCheckpointsTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("ttm-checkpoints-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    static Func<GenerationStage, byte[]> For(string model, string request) => stage => ArtifactStageCheckpoints.Fingerprint($"{model}-{stage}", request);

    static readonly float[] Latent = Enumerable.Range(0, 3 * 8 * 32 * 32).Select(i => MathF.Sin(i) * 3).ToArray();

    [Fact]
    public async Task ASavedCheckpoint_ReadsBackExactly_AndOnlyForItsGenerationAndStage()
    {
        var store = new DirectoryArtifactStore(root);
        await new ArtifactStageCheckpoints(store, "gen-a", For("m1", "r1")).SaveAsync(GenerationStage.Motion, new StageCheckpoint(12, Latent), CancellationToken.None);

        var read = await new ArtifactStageCheckpoints(store, "gen-a", For("m1", "r1")).LoadAsync(GenerationStage.Motion, CancellationToken.None);
        Assert.Equal(12, read!.Step);
        Assert.Equal(Latent, read.Latent);
        Assert.Null(await new ArtifactStageCheckpoints(store, "gen-a", For("m1", "r1")).LoadAsync(GenerationStage.Video, CancellationToken.None));
        Assert.Null(await new ArtifactStageCheckpoints(store, "gen-b", For("m1", "r1")).LoadAsync(GenerationStage.Motion, CancellationToken.None));
    }

    [Fact]
    public async Task ACheckpointOfAnotherModelOrRequest_IsIgnored()
    {
        var store = new DirectoryArtifactStore(root);
        await new ArtifactStageCheckpoints(store, "gen-a", For("m1", "r1")).SaveAsync(GenerationStage.Motion, new StageCheckpoint(8, Latent), CancellationToken.None);
        Assert.Null(await new ArtifactStageCheckpoints(store, "gen-a", For("m2", "r1")).LoadAsync(GenerationStage.Motion, CancellationToken.None)); // new weights
        Assert.Null(await new ArtifactStageCheckpoints(store, "gen-a", For("m1", "r2")).LoadAsync(GenerationStage.Motion, CancellationToken.None)); // another request
    }

    [Fact]
    public async Task ATornOrCorruptCheckpoint_IsIgnored()
    {
        var store = new DirectoryArtifactStore(root);
        var checkpoints = new ArtifactStageCheckpoints(store, "gen-a", For("m1", "r1"));
        await checkpoints.SaveAsync(GenerationStage.Motion, new StageCheckpoint(8, Latent), CancellationToken.None);
        var bytes = await store.GetAsync("gen-a/checkpoints/motion.bin", CancellationToken.None);

        await store.PutAsync("gen-a/checkpoints/motion.bin", bytes[..(bytes.Length / 2)], CancellationToken.None); // torn
        Assert.Null(await checkpoints.LoadAsync(GenerationStage.Motion, CancellationToken.None));
        bytes[100] ^= 0x40; // one flipped bit in the latent
        await store.PutAsync("gen-a/checkpoints/motion.bin", bytes, CancellationToken.None);
        Assert.Null(await checkpoints.LoadAsync(GenerationStage.Motion, CancellationToken.None));
        await store.PutAsync("gen-a/checkpoints/motion.bin", new byte[7], CancellationToken.None);
        Assert.Null(await checkpoints.LoadAsync(GenerationStage.Motion, CancellationToken.None));
    }

    [Fact]
    public async Task TwoWritersOfOneKey_NeverLeaveATornFile()
    {
        var store = new DirectoryArtifactStore(root);
        var a = Enumerable.Repeat((byte)1, 1 << 20).ToArray();
        var b = Enumerable.Repeat((byte)2, 1 << 20).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => store.PutAsync("k/shared.bin", i % 2 == 0 ? a : b, CancellationToken.None))));
        var read = await store.GetAsync("k/shared.bin", CancellationToken.None);
        Assert.True(read.SequenceEqual(a) || read.SequenceEqual(b), "the file mixes two writers' bytes");
        Assert.Empty(Directory.GetFiles(Path.Combine(root, "k"), "*.tmp"));
    }
}
