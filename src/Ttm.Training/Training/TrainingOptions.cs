using Ttm.Models;
using Ttm.Training.World;

namespace Ttm.Training.Training;

/// <summary>Everything one training run needs; recorded in the run folder as training.json.</summary>
public sealed record TrainingOptions
{
    public required ModelStage Stage { get; init; }
    public TtmVariant Variant { get; init; } = TtmVariant.Ttm;
    public string Size { get; init; } = "tiny";
    /// <summary>Which network to train: the DiT (flow matching) or the U-Net (DDIM's v-prediction on <see cref="Models.Sampling.DiffusionSchedule"/>).</summary>
    public Backbone Backbone { get; init; } = Backbone.Dit;
    /// <summary>
    /// U-Net only: train on the zero-terminal-SNR schedule (the paper's choice, "critically important" for stage 1); false
    /// trains on the plain scaled-linear schedule, the ablation. Recorded in the model's config.json, which its sampler reads.
    /// </summary>
    public bool ZeroTerminalSnr { get; init; } = true;
    public Prediction Prediction { get; init; } = Prediction.Sample;
    public required string RunDirectory { get; init; }
    public int Steps { get; init; } = 5000;
    public int BatchSize { get; init; } = 16;
    public double LearningRate { get; init; } = 5e-4;
    public int WarmupSteps { get; init; } = 200;
    /// <summary>Cosine decay of the learning rate to a tenth over the last this-many steps before <see cref="Steps"/> (0: constant).</summary>
    public int DecaySteps { get; init; }
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>
    /// Extra loss weight on the pixels any object covers in any frame (stage 1: the trajectory's non-black pixels),
    /// so the few moving pixels are not outvoted by the static background; 0 weighs every pixel alike.
    /// </summary>
    public double ForegroundWeight { get; init; }
    /// <summary>
    /// Share of cases whose caption, motion prompt and local prompts are written in <see cref="PhrasingLexicon.Training"/>'s
    /// words instead of the canonical ones, so conditioning learns the meaning rather than the exact words (0: canonical only).
    /// </summary>
    public double PhrasedShare { get; init; }
    public double EmaDecay { get; init; } = 0.999;
    /// <summary>Probability of dropping the text group only, the visual group only, and both (two-group CFG).</summary>
    public double DropText { get; init; } = 0.1;
    public double DropVisual { get; init; } = 0.05;
    public double DropBoth { get; init; } = 0.05;
    public int CheckpointEvery { get; init; } = 250;
    public int LogEvery { get; init; } = 25;
    public long Seed { get; init; } = 1;
    /// <summary>Fraction of single-object cases; 1.0 for a single-object curriculum.</summary>
    public double SingleFraction { get; init; } = 0.4;
    /// <summary>
    /// A model folder (config.json + model.safetensors) to start from when the run has no checkpoint yet:
    /// continues training shipped weights in a later sitting (fresh optimiser state, warm-up again). Layers this config
    /// adds that those weights lack (a stage 1 that now reads local prompts) start at their gated-off initialisation.
    /// </summary>
    public string? InitialWeights { get; init; }
    /// <summary>Stop after this many seconds (the run resumes from its checkpoint next time).</summary>
    public double? TimeLimitSeconds { get; init; }

    /// <summary>A config to use instead of the named <see cref="Size"/> (tests, experiments).</summary>
    public TtmConfig? Model { get; init; }

    /// <summary>Stage 1 also reads each object's local prompt, placed by s(0) (<see cref="TtmConfig.MotionReadsLocalPrompts"/>).</summary>
    public bool MotionReadsLocalPrompts { get; init; }

    /// <summary>
    /// With <see cref="MotionReadsLocalPrompts"/>: share of cases whose c_motion is the null prompt while the local
    /// prompts stay, so stage 1 must learn to take each object's motion from its own prompt (0: never).
    /// </summary>
    public double DropMotionPrompt { get; init; }

    public TtmConfig ModelConfig()
    {
        var config = Model ?? TtmConfig.Named(Size, Backbone);
        return config with
        {
            Stage = Stage, Variant = Variant,
            Prediction = config.Backbone == Backbone.Unet ? Prediction.V : Prediction, // the U-Net predicts v, whatever the DiT's option says
            MotionReadsLocalPrompts = Stage == ModelStage.Motion && MotionReadsLocalPrompts,
            ZeroTerminalSnr = ZeroTerminalSnr,
        };
    }

    public WorldSplit SplitFor(Random random) => random.NextDouble() < SingleFraction ? WorldSplit.Single : WorldSplit.Multi;
}
