using Ttm.Models.Sampling;
using Ttm.Grains;
using Ttm.Pipeline;

namespace Ttm.Silo;

/// <summary>
/// A generation's stage checkpoints in the shared artifact store, "{id}/checkpoints/{stage}.bin": the step as
/// int32, then the latent as float32, little-endian. Any accelerator silo can continue from them.
/// </summary>
public sealed class ArtifactStageCheckpoints(IArtifactStore store, string generationId) : IStageCheckpoints
{
    string Key(PipelineStage stage) => $"{generationId}/checkpoints/{stage.Name()}.bin";

    public Task SaveAsync(PipelineStage stage, StageCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var bytes = new byte[4 + checkpoint.Latent.Length * 4];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), checkpoint.Step);
        Buffer.BlockCopy(checkpoint.Latent, 0, bytes, 4, checkpoint.Latent.Length * 4);
        return store.PutAsync(Key(stage), bytes, cancellationToken);
    }

    public async Task<StageCheckpoint?> LoadAsync(PipelineStage stage, CancellationToken cancellationToken)
    {
        if (!store.Exists(Key(stage))) return null;
        var bytes = await store.GetAsync(Key(stage), cancellationToken);
        if (bytes.Length < 4 || (bytes.Length - 4) % 4 != 0)
            throw new InvalidDataException($"The checkpoint {Key(stage)} is {bytes.Length} bytes: not a step and a float32 latent.");
        var latent = new float[(bytes.Length - 4) / 4];
        Buffer.BlockCopy(bytes, 4, latent, 0, bytes.Length - 4);
        return new StageCheckpoint(BitConverter.ToInt32(bytes, 0), latent);
    }
}
