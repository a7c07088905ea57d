using System.CommandLine;
using Ttm.Models;
using Ttm.Models.Text;
using Ttm.Training.Training;

namespace Ttm.Cli.Commands;

/// <summary><c>./ttm train --stage motion|video --variant ttm|ti2v|no-mask|cross-only|self-only --run DIR ...</c></summary>
static class TrainCommand
{
    public static Command Create()
    {
        var stage = new Option<string>("--stage") { Description = "motion (stage 1) or video (stage 2)", Required = true };
        var variant = new Option<string>("--variant") { Description = "ttm, ti2v, no-mask, cross-only, self-only, or flow (Table 4, either stage)", DefaultValueFactory = _ => "ttm" };
        var run = new Option<DirectoryInfo>("--run") { Description = "Run folder: checkpoints, loss.csv and the EMA model (resumes if present)", Required = true };
        var size = new Option<string>("--size") { Description = "Model size: tiny, small or base", DefaultValueFactory = _ => "tiny" };
        var backbone = new Option<string>("--backbone") { Description = "dit (flow matching) or unet (DDIM, v-prediction)", DefaultValueFactory = _ => "dit" };
        var noZeroSnr = new Option<bool>("--no-zero-terminal-snr") { Description = "U-Net: train on the plain scaled-linear schedule (the paper's ablation) instead of zero terminal SNR" };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 5000 };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 5e-4 };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => 200 };
        var decay = new Option<int>("--decay-steps") { Description = "Cosine-decay the learning rate to a tenth over the last this-many steps (0: constant)", DefaultValueFactory = _ => 0 };
        var prediction = new Option<Prediction>("--prediction") { Description = "Sample or Velocity", DefaultValueFactory = _ => Prediction.Sample };
        var single = new Option<double>("--single-fraction") { Description = "Share of single-object cases (1 = single-object curriculum)", DefaultValueFactory = _ => 0.4 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 1 };
        var minutes = new Option<double?>("--minutes") { Description = "Stop (with a checkpoint) after this long; run again to resume" };
        var checkpoint = new Option<int>("--checkpoint-every") { DefaultValueFactory = _ => 250 };
        var logEvery = new Option<int>("--log-every") { DefaultValueFactory = _ => 25 };
        var foreground = new Option<double>("--foreground-weight") { Description = "Extra loss weight on pixels objects cover in any frame (0: none)", DefaultValueFactory = _ => 0 };
        var init = new Option<DirectoryInfo?>("--init-from") { Description = "Start a new run from these weights (e.g. models/tiny/motion)" };
        var phrased = new Option<double>("--phrased-share") { Description = "Share of cases whose prompts are reworded in the training lexicon (0: canonical words only)", DefaultValueFactory = _ => 0 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for the network (default: all cores)" };
        var localPrompts = new Option<bool>("--local-prompts") { Description = "Stage 1 also reads each object's local prompt through masked cross-attention placed by s(0)" };
        var dropMotion = new Option<double>("--drop-motion-prompt") { Description = "With --local-prompts: share of cases trained with c_motion nulled, the local prompts kept", DefaultValueFactory = _ => 0 };
        var command = new Command("train", "Train one stage on the shapes world")
        {
            stage, variant, run, size, backbone, noZeroSnr, steps, batch, lr, warmup, decay, prediction, single, seed, minutes, checkpoint, logEvery, threads, init, foreground, phrased, localPrompts, dropMotion,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(dropMotion) is < 0 or > 1 || (result.GetValue(dropMotion) > 0 && !result.GetValue(localPrompts)))
                result.AddError("--drop-motion-prompt is a share in [0, 1] and needs --local-prompts (it nulls c_motion and keeps the local prompts).");
        });
        command.SetAction((result, cancellationToken) =>
        {
            if (result.GetValue(threads) is int n) TorchSharp.torch.set_num_threads(n);
            var options = new TrainingOptions
            {
                Stage = ParseStage(result.GetValue(stage)!),
                Variant = ParseVariant(result.GetValue(variant)!),
                RunDirectory = result.GetValue(run)!.FullName,
                Size = result.GetValue(size)!,
                Backbone = ParseBackbone(result.GetValue(backbone)!),
                ZeroTerminalSnr = !result.GetValue(noZeroSnr),
                Steps = result.GetValue(steps),
                BatchSize = result.GetValue(batch),
                LearningRate = result.GetValue(lr),
                WarmupSteps = result.GetValue(warmup),
                DecaySteps = result.GetValue(decay),
                Prediction = result.GetValue(prediction),
                SingleFraction = result.GetValue(single),
                Seed = result.GetValue(seed),
                TimeLimitSeconds = result.GetValue(minutes) * 60,
                CheckpointEvery = result.GetValue(checkpoint),
                LogEvery = result.GetValue(logEvery),
                InitialWeights = result.GetValue(init)?.FullName,
                ForegroundWeight = result.GetValue(foreground),
                PhrasedShare = result.GetValue(phrased),
                MotionReadsLocalPrompts = result.GetValue(localPrompts),
                DropMotionPrompt = result.GetValue(dropMotion),
            };
            using var text = MiniLmTextEncoder.Load();
            using var trainer = new StageTrainer(options, text, Console.Out);
            var state = trainer.Run("./ttm " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)), cancellationToken);
            Console.WriteLine($"stopped at step {state.Step}, {state.Seconds:F0} s trained in total, last loss {state.LastLoss:F4}");
            return Task.FromResult(0);
        });
        return command;
    }

    public static ModelStage ParseStage(string value) => value switch
    {
        "motion" => ModelStage.Motion,
        "video" => ModelStage.Video,
        _ => throw new ArgumentException($"--stage must be motion or video, not '{value}'."),
    };

    public static Backbone ParseBackbone(string value) => value switch
    {
        "dit" => Backbone.Dit,
        "unet" => Backbone.Unet,
        _ => throw new ArgumentException($"--backbone must be dit or unet, not '{value}'."),
    };

    public static TtmVariant ParseVariant(string value) => value switch
    {
        "ttm" => TtmVariant.Ttm,
        "ti2v" => TtmVariant.Ti2v,
        "no-mask" => TtmVariant.NoMask,
        "cross-only" => TtmVariant.CrossOnly,
        "self-only" => TtmVariant.SelfOnly,
        "flow" => TtmVariant.Flow,
        _ => throw new ArgumentException($"--variant must be ttm, ti2v, no-mask, cross-only, self-only or flow, not '{value}'."),
    };
}
