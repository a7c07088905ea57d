using Ttm.Contracts;
using Ttm.Models.Sampling;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Segmentation;

namespace Ttm.Pipeline;

/// <summary>Why a request was refused before any work began; the message says what to change.</summary>
public sealed class InvalidRequestException(string message) : Exception(message);

/// <summary>One generation: an image and a sentence, and how to run it.</summary>
public sealed record PipelineRequest
{
    public required byte[] Image { get; init; }
    public required string Prompt { get; init; }
    /// <summary>Who asked: the device queue serves tenants in turn.</summary>
    public string Tenant { get; init; } = "default";
    /// <summary>Interactive (someone is watching) leads the device queue; batch fills what interactive leaves.</summary>
    public Devices.WorkPriority Priority { get; init; } = Devices.WorkPriority.Interactive;
    /// <summary>What this request's device work and encode took, charged to its tenant whether it completes or not (a copy made with <c>with</c> shares it).</summary>
    public Devices.DeviceMeter Meter { get; init; } = new();
    public long Seed { get; init; }
    public int MotionSteps { get; init; } = SamplingOptions.Default.Steps;
    public int VideoSteps { get; init; } = SamplingOptions.Default.Steps;
    public GuidanceScales MotionGuidance { get; init; } = GuidanceScales.Default;
    public GuidanceScales VideoGuidance { get; init; } = GuidanceScales.Default;
    /// <summary>Whether both stages may reuse the last full step's blocks (<see cref="StepCachePolicy"/>); off is exact.</summary>
    public StepCachePolicy StepCache { get; init; } = StepCachePolicy.Off;
    /// <summary>A preview every this many denoising steps (0: none).</summary>
    public int PreviewEvery { get; init; } = 4;
    /// <summary>Longest side of previews and outputs in pixels (frames are upscaled to it).</summary>
    public int DisplaySize { get; init; } = 256;
    public const int MinDisplaySize = 16;
    public const int MaxDisplaySize = 1024;
    public IReadOnlyList<VideoFormat> Formats { get; init; } = [VideoFormat.Mp4];
    /// <summary>Optional per-object hints in the order the prompt mentions the objects, in the uploaded image's pixels.</summary>
    public IReadOnlyList<ObjectHint?> Hints { get; init; } = [];
    /// <summary>Save each denoising stage's latent every this many steps (0: never), when <see cref="Checkpoints"/> is set.</summary>
    public int CheckpointEvery { get; init; } = 4;
    public IStageCheckpoints? Checkpoints { get; init; }
    /// <summary>End after stage 1 with the trajectory for review (<see cref="DeviceStages.MotionAsync"/>); the video stage runs when it is continued.</summary>
    public bool StopAfterMotion { get; init; }
    /// <summary>The second part of a reviewed generation: s(0) and ŝ from its first part (no segmentation, no stage 1); the hints' paths are the edits.</summary>
    public ReviewedMotion? Reviewed { get; init; }
    /// <summary>Folder the artifacts are written to.</summary>
    public required string OutputDirectory { get; init; }

    // The gateway's GenerationLimits state the same numbers (ContractsTests holds them equal).
    public const int MaxPromptCharacters = 2_000;
    public const int MaxSteps = 200;

    /// <summary>Checks everything that can be checked without the models.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Prompt))
            throw new InvalidRequestException("The prompt is empty; describe how the objects in the image should move.");
        if (Prompt.Length > MaxPromptCharacters)
            throw new InvalidRequestException($"The prompt has {Prompt.Length} characters; at most {MaxPromptCharacters} are accepted.");
        foreach (var (name, steps) in new[] { ("motion", MotionSteps), ("video", VideoSteps) })
            if (steps < 1 || steps > MaxSteps)
                throw new InvalidRequestException($"The {name} stage needs between 1 and {MaxSteps} steps, not {steps}.");
        if (PreviewEvery < 0) throw new InvalidRequestException("The preview interval cannot be negative.");
        if (CheckpointEvery < 0) throw new InvalidRequestException("The checkpoint interval cannot be negative.");
        if (DisplaySize < MinDisplaySize || DisplaySize > MaxDisplaySize)
            throw new InvalidRequestException($"The display size must lie in {MinDisplaySize}..{MaxDisplaySize} pixels, not {DisplaySize}.");
        if (Formats.Count == 0) throw new InvalidRequestException("Ask for at least one output format.");
    }
}
