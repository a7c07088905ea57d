using System.Security.Cryptography;
using System.Text;
using Ttm.Contracts;
using Ttm.Models.Sampling;
using Ttm.Grains;
using Ttm.Pipeline;

namespace Ttm.Silo;

/// <summary>
/// A generation's stage checkpoints in the shared artifact store, "{id}/checkpoints/{stage}.bin", so any accelerator
/// silo can continue a stage: "TTMC", format 1 (int32), the fingerprint (32 bytes: SHA-256 of the stage model's
/// weights digest and the request's digest), the step (int32), the latent as float32, little-endian, and a SHA-256
/// of all before it. A checkpoint of another model or request, a torn or corrupt one, is ignored (the stage starts
/// from noise), never continued from.
/// </summary>
public sealed class ArtifactStageCheckpoints(IArtifactStore store, string generationId, Func<GenerationStage, byte[]> fingerprint) : IStageCheckpoints
{
    static readonly byte[] Magic = "TTMC"u8.ToArray();
    const int Format = 1, Header = 4 + 4 + 32 + 4, Checksum = 32;

    string Key(GenerationStage stage) => $"{generationId}/checkpoints/{stage.Name()}.bin";

    /// <summary>What a checkpoint must carry to be continued from: this stage model's weights and this request.</summary>
    public static byte[] Fingerprint(string modelDigest, string requestDigest) => SHA256.HashData(Encoding.UTF8.GetBytes($"{modelDigest}\n{requestDigest}"));

    public Task SaveAsync(GenerationStage stage, StageCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var bytes = new byte[Header + checkpoint.Latent.Length * 4 + Checksum];
        Magic.CopyTo(bytes, 0);
        BitConverter.TryWriteBytes(bytes.AsSpan(4, 4), Format);
        fingerprint(stage).CopyTo(bytes, 8);
        BitConverter.TryWriteBytes(bytes.AsSpan(40, 4), checkpoint.Step);
        Buffer.BlockCopy(checkpoint.Latent, 0, bytes, Header, checkpoint.Latent.Length * 4);
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - Checksum), bytes.AsSpan(bytes.Length - Checksum));
        return store.PutAsync(Key(stage), bytes, cancellationToken);
    }

    public async Task<StageCheckpoint?> LoadAsync(GenerationStage stage, CancellationToken cancellationToken)
    {
        if (!store.Exists(Key(stage))) return null;
        var bytes = await store.GetAsync(Key(stage), cancellationToken);
        return Read(bytes, fingerprint(stage));
    }

    /// <returns>null for anything but an intact checkpoint of this fingerprint</returns>
    public static StageCheckpoint? Read(byte[] bytes, byte[] expected)
    {
        if (bytes.Length < Header + Checksum || (bytes.Length - Header - Checksum) % 4 != 0) return null;
        if (!bytes.AsSpan(0, 4).SequenceEqual(Magic) || BitConverter.ToInt32(bytes, 4) != Format) return null;
        if (!SHA256.HashData(bytes.AsSpan(0, bytes.Length - Checksum)).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - Checksum))) return null;
        if (!bytes.AsSpan(8, 32).SequenceEqual(expected)) return null;
        var latent = new float[(bytes.Length - Header - Checksum) / 4];
        Buffer.BlockCopy(bytes, Header, latent, 0, latent.Length * 4);
        return new StageCheckpoint(BitConverter.ToInt32(bytes, 40), latent);
    }
}
