using Ttm.Contracts;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Planning;
using Ttm.Pipeline.Segmentation;

namespace Ttm.Pipeline;

/// <summary>Everything the pipeline reports while it runs; each partial result as soon as it exists.</summary>
public abstract record PipelineEvent;

public sealed record PlanReady(PromptPlan Plan) : PipelineEvent;

/// <summary>s(0): the palette-painted first-frame masks (PNG at display size) and how each object was found.</summary>
public sealed record SegmentationReady(byte[] MaskPng, IReadOnlyList<GroundedObject> Objects) : PipelineEvent;

/// <summary>The clean estimate after <paramref name="Step"/> of <paramref name="Steps"/> denoising steps of stage 1 (the trajectory) or 2 (the video).</summary>
public sealed record StagePreview(GenerationStage Stage, int Step, int Steps, VideoFrames Frames) : PipelineEvent;

public sealed record MotionDone(VideoFrames Trajectory) : PipelineEvent;

/// <summary>A piece (≤ 1 MB) of the fragmented MP4; the pieces in order concatenate to the playable video.</summary>
public sealed record VideoChunk(int Index, byte[] Bytes, bool IsLast) : PipelineEvent;

/// <summary>The artifacts written (kind → path) and the seconds each stage took.</summary>
public sealed record Completed(IReadOnlyDictionary<string, string> Artifacts, IReadOnlyDictionary<GenerationStage, double> Seconds) : PipelineEvent;

public sealed record Failed(GenerationStage Stage, string Reason) : PipelineEvent;
