using System.Security.Cryptography;
using Ttm.Contracts;
using Ttm.Pipeline.Segmentation;

namespace Ttm.Pipeline;

/// <summary>
/// What the first part of a generation that stops for review keeps for its second: s(0) as object ids on the model grid
/// (0 background, i + 1 plan object i), the trajectory ŝ (1, 3, T, H, W) in [-1, 1] exactly as stage 1 made it, and how each
/// object was found. Stored as "TTMR", format 1 (int32), T, H, W (int32), the ids (int32), ŝ (float32), the objects (count,
/// then name, method, detail as UTF-8 strings and area), little-endian, and a SHA-256 of all before it.
/// </summary>
public sealed record ReviewedMotion(int Frames, int Width, int Height, int[] FirstLabels, float[] Trajectory, IReadOnlyList<SegmentedObject> Objects)
{
    static readonly byte[] Magic = "TTMR"u8.ToArray();
    const int Format = 1, Checksum = 32;

    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Format);
            writer.Write(Frames);
            writer.Write(Height);
            writer.Write(Width);
            foreach (var id in FirstLabels) writer.Write(id);
            foreach (var v in Trajectory) writer.Write(v);
            writer.Write(Objects.Count);
            foreach (var o in Objects)
            {
                writer.Write(o.Name);
                writer.Write(o.Method);
                writer.Write(o.Detail);
                writer.Write(o.Area);
            }
        }
        buffer.Write(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        return buffer.ToArray();
    }

    /// <exception cref="InvalidDataException">not an intact reviewed motion of this format</exception>
    public static ReviewedMotion FromBytes(byte[] bytes)
    {
        if (bytes.Length < 24 + Checksum || !SHA256.HashData(bytes.AsSpan(0, bytes.Length - Checksum)).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - Checksum)))
            throw new InvalidDataException("The stored reviewed motion is torn or corrupt.");
        using var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - Checksum), System.Text.Encoding.UTF8);
        if (!reader.ReadBytes(4).AsSpan().SequenceEqual(Magic) || reader.ReadInt32() != Format)
            throw new InvalidDataException("The stored reviewed motion is of another format.");
        int frames = reader.ReadInt32(), height = reader.ReadInt32(), width = reader.ReadInt32();
        var labels = new int[width * height];
        for (int i = 0; i < labels.Length; i++) labels[i] = reader.ReadInt32();
        var trajectory = new float[3 * frames * height * width];
        for (int i = 0; i < trajectory.Length; i++) trajectory[i] = reader.ReadSingle();
        var objects = new SegmentedObject[reader.ReadInt32()];
        for (int i = 0; i < objects.Length; i++) objects[i] = new SegmentedObject(reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadInt32());
        return new ReviewedMotion(frames, width, height, labels, trajectory, objects);
    }
}
