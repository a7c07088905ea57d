using Ttm.Contracts;

namespace Ttm.Grains;

/// <summary>
/// The accelerator part of one generation (segment s(0), Image-to-Motion, Motion-to-Video), keyed by generation
/// id and placed only on silos whose metadata says they have an accelerator. It streams the stage events (payloads
/// stored in the shared artifact store) and ends with the rendered frames, which any silo can encode.
/// </summary>
public interface IDeviceStagesGrain : IGrainWithStringKey
{
    /// <param name="plan">the prompt plan, made on the caller's silo</param>
    /// <param name="continuation">the second part of a reviewed generation: the video stage only, on the trajectory the first
    /// part stored (a first part that stops after motion ends with <see cref="AwaitingReview"/> and no result)</param>
    IAsyncEnumerable<DeviceStageUpdate> RunAsync(GenerationSpec spec, PromptPlan plan, GenerationContinuation? continuation = null,
        CancellationToken cancellationToken = default);
}

/// <summary>Either a stage event to append to the generation's log, or (last) the rendered result.</summary>
[GenerateSerializer, Immutable, Alias("ttm.device-stage-update.v1")]
public sealed record DeviceStageUpdate(
    [property: Id(0)] GenerationUpdate? Event,
    [property: Id(1)] RenderedFrames? Result);

/// <summary>
/// Where the video x̂ and trajectory ŝ are (RGB24 frames at display size, handed over through the artifact store under
/// <see cref="VideoKey"/> and <see cref="TrajectoryKey"/>: at display 1024 they are tens of MB, far past what a grain message
/// should carry), the grounded objects, where they were made, how long each stage took, and which stages continued from
/// a checkpoint (e.g. "motion from step 8").
/// </summary>
[GenerateSerializer, Immutable, Alias("ttm.rendered-frames.v1")]
public sealed record RenderedFrames(
    [property: Id(0)] int Frames,
    [property: Id(1)] int Width,
    [property: Id(2)] int Height,
    [property: Id(10)] string VideoKey,
    [property: Id(11)] string TrajectoryKey,
    [property: Id(5)] IReadOnlyList<SegmentedObject> Objects,
    [property: Id(6)] IReadOnlyDictionary<GenerationStage, double> Seconds,
    [property: Id(7)] string Silo,
    [property: Id(8)] string Device,
    [property: Id(9)] IReadOnlyList<string> Resumed,
    [property: Id(12)] string Backbones)
{
    /// <summary>The store's folder of a generation's handed-over frames (removed once they are encoded).</summary>
    public static string FolderOf(string generationId) => $"{generationId}/frames";
}
