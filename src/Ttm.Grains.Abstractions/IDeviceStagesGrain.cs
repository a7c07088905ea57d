namespace Ttm.Grains;

/// <summary>
/// The accelerator part of one generation (segment s(0), Image-to-Motion, Motion-to-Video), keyed by generation
/// id and placed only on silos whose metadata says they have an accelerator. It streams the stage events (payloads
/// stored in the shared artifact store) and ends with the rendered frames, which any silo can encode.
/// </summary>
public interface IDeviceStagesGrain : IGrainWithStringKey
{
    /// <param name="plan">the prompt plan, made on the caller's silo</param>
    IAsyncEnumerable<DeviceStageUpdate> RunAsync(GenerationSpec spec, GenerationPlan plan, CancellationToken cancellationToken = default);
}

/// <summary>Either a stage event to append to the generation's log, or (last) the rendered result.</summary>
[GenerateSerializer, Immutable, Alias("ttm.device-stage-update.v1")]
public sealed record DeviceStageUpdate(
    [property: Id(0)] GenerationUpdate? Event,
    [property: Id(1)] RenderedFrames? Result);

/// <summary>
/// The video x̂ and trajectory ŝ as RGB24 frames at display size, the grounded objects, where they were made,
/// how long each stage took, and which stages continued from a checkpoint (e.g. "motion from step 8").
/// </summary>
[GenerateSerializer, Immutable, Alias("ttm.rendered-frames.v1")]
public sealed record RenderedFrames(
    [property: Id(0)] int Frames,
    [property: Id(1)] int Width,
    [property: Id(2)] int Height,
    [property: Id(3)] byte[] Video,
    [property: Id(4)] byte[] Trajectory,
    [property: Id(5)] IReadOnlyList<SegmentedObject> Objects,
    [property: Id(6)] IReadOnlyDictionary<GenerationStage, double> Seconds,
    [property: Id(7)] string Silo,
    [property: Id(8)] string Device,
    [property: Id(9)] IReadOnlyList<string> Resumed);
