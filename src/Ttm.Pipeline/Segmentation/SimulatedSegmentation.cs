using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Ttm.Contracts;
using Ttm.Pipeline.Images;

namespace Ttm.Pipeline.Segmentation;

/// <summary>
/// Segmentation on a simulated device (<see cref="Ttm.Models.DeviceKind.Simulated"/>), simulated as its passes are: the
/// segmenter's worker is busy for the time the device's cost model gives one SAM grounding
/// (<see cref="Ttm.Models.Simulation.DeviceCostModel.SegmentSeconds"/>), and the masks are the real ones, grounded on the
/// host's CPU once per distinct image, plan objects and hints and then reused. A fleet of simulated accelerators then
/// charges its hosts what an accelerator's host would spend (nothing: SAM runs on the GPU), not a CPU encoder's second per
/// image. Never a default: only a simulated device has one.
/// </summary>
public sealed class SimulatedSegmentation(double seconds, int capacity = 32)
{
    readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<GroundedObject>>> grounded = new();

    /// <summary>Simulated seconds of one grounding.</summary>
    public double Seconds => seconds;

    /// <summary>Groundings computed for real so far (the rest were reused).</summary>
    public long Computed => Interlocked.Read(ref computed);
    long computed;

    /// <summary>Waits the simulated time, then returns the masks <paramref name="ground"/> gives for these inputs (computed once).</summary>
    public IReadOnlyList<GroundedObject> Ground(RgbImage image, IReadOnlyList<ObjectPrompt> objects, IReadOnlyList<ObjectHint?> hints,
        Func<IReadOnlyList<GroundedObject>> ground)
    {
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        string key = Key(image, objects, hints);
        if (grounded.Count >= capacity && !grounded.ContainsKey(key)) grounded.Clear(); // bounded: a fleet's workload reuses a few images
        return grounded.GetOrAdd(key, _ => new Lazy<IReadOnlyList<GroundedObject>>(() =>
        {
            Interlocked.Increment(ref computed);
            return ground();
        })).Value;
    }

    /// <summary>SHA-256 of the pixels, the objects and the hints: equal inputs ground to equal masks.</summary>
    static string Key(RgbImage image, IReadOnlyList<ObjectPrompt> objects, IReadOnlyList<ObjectHint?> hints)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(BitConverter.GetBytes(image.Width));
        hash.AppendData(BitConverter.GetBytes(image.Height));
        hash.AppendData(image.Pixels);
        var words = new StringBuilder();
        foreach (var o in objects) words.Append($"{o.Name}|{o.Colour}|{o.Noun}\n");
        foreach (var h in hints)
            words.Append(h is null ? "-\n" : $"{string.Join(';', h.Points.Select(p => $"{p.X},{p.Y},{p.Include}"))}|{h.Box}\n");
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(words.ToString()));
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
