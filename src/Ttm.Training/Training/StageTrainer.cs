using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using Ttm.Models;
using Ttm.Models.Sampling;
using Ttm.Models.Text;
using Ttm.Models.Weights;
using Ttm.Training.World;
using static TorchSharp.torch;

namespace Ttm.Training.Training;

/// <summary>
/// Trains one stage on shapes-world cases generated on the fly: the DiT by flow matching (x_t = t·x + (1 − t)·ε), the
/// U-Net by v-prediction on its diffusion schedule (x_t = √ᾱ_t·x + √(1 − ᾱ_t)·ε, v = √ᾱ_t·ε − √(1 − ᾱ_t)·x, zero terminal
/// SNR unless the ablation turns it off), AdamW with linear warm-up, EMA weights, condition dropout for both guidance groups, checkpoints that
/// resume exactly where they stopped. The EMA network is what ships (run/model/).
/// </summary>
public sealed class StageTrainer : IDisposable
{
    /// <summary>Training case seeds live below this; benchmark suites draw from above it.</summary>
    public const long TrainingSeedLimit = 1L << 40;

    readonly TrainingOptions options;
    readonly ITextEncoder text;
    readonly TextWriter log;
    readonly TtmConfig config;
    readonly VideoDenoiser model;
    readonly VideoDenoiser ema;
    readonly DiffusionSchedule? diffusion; // the U-Net's; null for the DiT
    readonly AdamW optimizer;
    readonly ShapesWorld world;
    readonly Phrasing phrasing = new(PhrasingLexicon.Training);
    readonly string checkpointDirectory;
    int step;
    double elapsedBefore;

    public StageTrainer(TrainingOptions options, ITextEncoder text, TextWriter log)
    {
        this.options = options;
        this.text = text;
        this.log = log;
        config = options.ModelConfig();
        manual_seed(options.Seed);
        model = VideoDenoiser.Create(config);
        ema = VideoDenoiser.Create(config);
        if (config.Backbone == Backbone.Unet) diffusion = DiffusionSchedule.For(config);
        CopyWeights(model, ema);
        ema.eval();
        optimizer = optim.AdamW(model.parameters(), options.LearningRate, 0.9, 0.99, weight_decay: options.WeightDecay);
        world = new ShapesWorld(config.Frames, config.Height, config.Width);
        checkpointDirectory = Path.Combine(options.RunDirectory, "checkpoint");
        Resume();
    }

    public VideoDenoiser Ema => ema;
    public int Step => step;
    /// <summary>Steps whose loss or gradient was not finite, and which therefore left the weights as they were.</summary>
    public int SkippedSteps { get; private set; }
    /// <summary>Wall time spent making batches (world, text encoder) rather than in the network.</summary>
    public double DataSeconds { get; private set; }

    string ModelDirectory => Path.Combine(options.RunDirectory, "model");
    string StateFile => Path.Combine(checkpointDirectory, "state.json");

    void Resume()
    {
        var state = TrainingState.Load(StateFile);
        if (state is null && options.InitialWeights is { } initial)
        {
            var file = Path.Combine(initial, ModelWeights.WeightsFile);
            ModelWeights.LoadInto(model, file, VideoDitBlock.IsAddedLayerTensor);
            ModelWeights.LoadInto(ema, file, VideoDitBlock.IsAddedLayerTensor);
            var shipped = TrainingState.Load(Path.Combine(initial, "training.json"));
            elapsedBefore = shipped?.Seconds ?? 0;
            log.WriteLine($"starting from the weights in {initial} ({elapsedBefore:F0} s trained before)");
        }
        if (state is null) return;
        ModelWeights.LoadInto(model, Path.Combine(checkpointDirectory, "raw.safetensors"));
        ModelWeights.LoadInto(ema, Path.Combine(ModelDirectory, ModelWeights.WeightsFile));
        optimizer.load_py(Path.Combine(checkpointDirectory, "optimizer.bin"));
        step = state.Step;
        elapsedBefore = state.Seconds;
        resumedLoss = state.LastLoss;
        log.WriteLine($"resumed {options.Stage}/{options.Variant} at step {step} ({elapsedBefore:F0} s trained so far)");
    }

    double resumedLoss = double.NaN;

    /// <summary>Runs until <see cref="TrainingOptions.Steps"/>, the time limit or cancellation; checkpoints on the way and at the end.</summary>
    public TrainingState Run(string command, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(checkpointDirectory);
        var clock = Stopwatch.StartNew();
        var lossFile = Path.Combine(options.RunDirectory, "loss.csv");
        if (!File.Exists(lossFile)) File.WriteAllText(lossFile, "step,loss,lr,steps_per_second,seconds\n");
        double windowLoss = 0;
        int windowSteps = 0;
        var windowClock = Stopwatch.StartNew();
        double lastLoss = resumedLoss; // a resumed run that takes no step (its budget is reached) checkpoints the loss it had
        model.train();
        var stopFile = Path.Combine(options.RunDirectory, "STOP");
        while (step < options.Steps && !cancellationToken.IsCancellationRequested
               && (options.TimeLimitSeconds is null || clock.Elapsed.TotalSeconds < options.TimeLimitSeconds))
        {
            if (File.Exists(stopFile))
            {
                // `touch RUN/STOP` ends a background run cleanly at the next step, with a checkpoint.
                File.Delete(stopFile);
                log.WriteLine($"stop requested at step {step}");
                break;
            }
            // A step that libtorch failed on a scalar TorchSharp's finalizer had freed runs again, unless it began to change the weights.
            double loss = LibtorchScalars.RunOnceMore(TrainStep, unchanged: () => !updating,
                retrying: () => log.WriteLine($"step {step}: libtorch read a freed scalar before the update; the step runs again"));
            step++;
            if (double.IsFinite(loss)) // a skipped step's NaN stays out of the log and the state file
            {
                lastLoss = loss;
                windowLoss += loss;
                windowSteps++;
            }
            if (step % options.LogEvery == 0 || step == options.Steps)
            {
                double rate = windowSteps / windowClock.Elapsed.TotalSeconds;
                double seconds = elapsedBefore + clock.Elapsed.TotalSeconds;
                log.WriteLine($"{options.Stage}/{options.Variant} step {step}/{options.Steps} loss {windowLoss / windowSteps:F4} lr {CurrentLearningRate():E1} {rate:F2} steps/s (data {DataSeconds / windowClock.Elapsed.TotalSeconds:P0}) {seconds:F0} s");
                File.AppendAllText(lossFile, $"{step},{windowLoss / windowSteps:F5},{CurrentLearningRate():E3},{rate:F3},{seconds:F0}\n");
                windowLoss = 0;
                windowSteps = 0;
                windowClock.Restart();
                DataSeconds = 0;
            }
            if (step % options.CheckpointEvery == 0) Checkpoint(command, clock.Elapsed.TotalSeconds, lastLoss);
        }
        return Checkpoint(command, clock.Elapsed.TotalSeconds, lastLoss);
    }

    TrainingState Checkpoint(string command, double seconds, double loss)
    {
        ModelWeights.Save(ema, ModelDirectory);
        var raw = Path.Combine(checkpointDirectory, "raw.safetensors");
        model.save_safetensors(raw + ".tmp");
        File.Move(raw + ".tmp", raw, overwrite: true);
        var optimizerFile = Path.Combine(checkpointDirectory, "optimizer.bin");
        optimizer.save_py(optimizerFile + ".tmp");
        File.Move(optimizerFile + ".tmp", optimizerFile, overwrite: true);
        var state = new TrainingState(step, elapsedBefore + seconds, loss, command);
        state.Save(StateFile);
        return state;
    }

    double CurrentLearningRate()
    {
        double warmup = Math.Min(1.0, (step + 1) / (double)Math.Max(1, options.WarmupSteps));
        int decayStart = options.Steps - options.DecaySteps;
        if (options.DecaySteps <= 0 || step < decayStart) return options.LearningRate * warmup;
        double progress = Math.Min(1.0, (step - decayStart) / (double)options.DecaySteps);
        return options.LearningRate * warmup * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }

    /// <summary>Whether the current step has begun to change the weights (the optimiser's update and the EMA).</summary>
    bool updating;

    /// <summary>
    /// One optimiser step on a fresh batch; the batch depends only on (seed, step), so a resumed run sees the same data,
    /// and a step that failed before its update can run again.
    /// </summary>
    public double TrainStep()
    {
        updating = false;
        using var scope = NewDisposeScope();
        var random = new Random(HashCode.Combine(options.Seed, step));
        using var generator = new Generator((ulong)(options.Seed * 1_000_003 + step));

        var dataClock = Stopwatch.StartNew();
        var rows = new List<StageConditions>();
        var targets = new List<Tensor>();
        var owned = new List<IDisposable>();
        for (int i = 0; i < options.BatchSize; i++)
        {
            long caseSeed = (options.Seed * 1_000_000_007L + (long)step * options.BatchSize + i) % TrainingSeedLimit;
            var worldCase = world.Generate(caseSeed, options.SplitFor(random));
            var tensors = CaseTensors.From(worldCase);
            owned.Add(tensors);
            var conditions = Conditions(worldCase, tensors, random);
            owned.Add(conditions);
            double u = random.NextDouble();
            rows.Add(u < options.DropBoth ? conditions.Without(visual: true, text: true)
                : u < options.DropBoth + options.DropText ? conditions.Without(visual: false, text: true)
                : u < options.DropBoth + options.DropText + options.DropVisual ? conditions.Without(visual: true, text: false)
                : conditions);
            targets.Add(config.Stage == ModelStage.Motion ? tensors.Motion(config) : tensors.Video);
        }

        var data = cat(targets, 0); // (B, 3, T, H, W)
        var noise = randn(data.shape, generator: generator);
        var (noisy, times, target) = diffusion is null ? FlowPoint(data, noise, random) : DiffusionPoint(diffusion, data, noise, random);
        using var batch = StageConditions.Collate(rows, noisy, times, config.TextWidth);
        DataSeconds += dataClock.Elapsed.TotalSeconds;
        var prediction = model.forward(batch);
        var loss = options.ForegroundWeight > 0 ? ForegroundWeightedLoss(prediction, target, data, options.ForegroundWeight) : nn.functional.mse_loss(prediction, target);

        optimizer.zero_grad();
        loss.backward();
        double norm = double.NaN;
        LibtorchScalars.WithoutCollections(() => norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)); // its implicit scalars (LibtorchScalars)
        if (!double.IsFinite(norm) || !double.IsFinite(loss.item<float>()))
        {
            // One NaN gradient would make every weight NaN through the clipping, and the checkpoints after it. Seen at
            // random in the U-Net's training tests (the same step run again was finite), so the step is skipped, not the run.
            foreach (var o in owned) o.Dispose();
            log.WriteLine($"step {step}: non-finite loss or gradient norm ({loss.item<float>()}, {norm}); the update is skipped");
            SkippedSteps++;
            return double.NaN;
        }
        foreach (var group in optimizer.ParamGroups) group.LearningRate = CurrentLearningRate();
        updating = true;
        LibtorchScalars.WithoutCollections(() =>
        {
            // The step and the EMA change the weights in place, reading implicit scalars: a collection freeing one
            // mid-way failed the U-Net's training (toFloat's check in AdamW's addcdiv_, "Unknown scalar type" in mul_).
            optimizer.step();
            UpdateEma();
        });
        foreach (var o in owned) o.Dispose();
        return loss.item<float>();
    }

    /// <summary>
    /// The DiT's training point: flow time half uniform, half logit-normal (more weight mid-way, where structure is decided),
    /// x_t = t·x + (1 − t)·ε, and its target (the sample, or the velocity x − ε).
    /// </summary>
    /// <returns>x_t (B, 3, T, H, W), the network's time (B,), the target (B, 3, T, H, W)</returns>
    (Tensor Noisy, Tensor Time, Tensor Target) FlowPoint(Tensor data, Tensor noise, Random random)
    {
        var times = Enumerable.Range(0, options.BatchSize).Select(_ =>
            random.NextDouble() < 0.5 ? random.NextDouble() : 1.0 / (1.0 + Math.Exp(-Gaussian(random)))).Select(t => (float)t).ToArray();
        var t = tensor(times).view(-1, 1, 1, 1, 1);
        var noisy = t * data + (1f - t) * noise; // x_t
        return (noisy, tensor(times), config.Prediction == Prediction.Sample ? data : data - noise);
    }

    /// <summary>
    /// The U-Net's training point: a timestep uniform over 0 … T − 1 (the last one pure noise under zero terminal SNR),
    /// x_t = √ᾱ_t·x + √(1 − ᾱ_t)·ε, target v = √ᾱ_t·ε − √(1 − ᾱ_t)·x; the network reads t / 1000.
    /// </summary>
    static (Tensor Noisy, Tensor Time, Tensor Target) DiffusionPoint(DiffusionSchedule schedule, Tensor data, Tensor noise, Random random)
    {
        int b = (int)data.shape[0];
        var timesteps = Enumerable.Range(0, b).Select(_ => random.Next(DiffusionSchedule.TrainSteps)).ToArray();
        var signal = tensor(timesteps.Select(t => (float)Math.Sqrt(schedule.AlphaBar(t))).ToArray()).view(-1, 1, 1, 1, 1); // √ᾱ_t
        var noiseLevel = tensor(timesteps.Select(t => (float)Math.Sqrt(1 - schedule.AlphaBar(t))).ToArray()).view(-1, 1, 1, 1, 1); // √(1 − ᾱ_t)
        var noisy = signal * data + noiseLevel * noise; // x_t
        var v = signal * noise - noiseLevel * data;
        return (noisy, tensor(timesteps.Select(t => t / (float)DiffusionSchedule.TrainSteps).ToArray()), v);
    }

    /// <summary>Mean squared error with the pixels objects cover in any frame weighted 1 + <paramref name="foregroundWeight"/>.</summary>
    /// <param name="data">(B, 3, T, H, W) the clean sample; its non-black pixels in any frame are the foreground</param>
    public static Tensor ForegroundWeightedLoss(Tensor prediction, Tensor target, Tensor data, double foregroundWeight)
    {
        var foreground = (data > -0.5f).any(1, keepdim: true).any(2, keepdim: true).to(ScalarType.Float32); // (B, 1, 1, H, W)
        var weight = 1f + (float)foregroundWeight * foreground;
        var squared = (prediction - target).pow(2) * weight; // (B, 3, T, H, W)
        return squared.sum() / (weight.expand_as(squared).sum());
    }

    /// <summary>The case's canonical plan, or (a <see cref="TrainingOptions.PhrasedShare"/> of the time) the same facts in the training lexicon's words.</summary>
    StageConditions Conditions(WorldCase worldCase, CaseTensors tensors, Random random)
    {
        var plan = options.PhrasedShare > 0 && random.NextDouble() < options.PhrasedShare
            ? phrasing.Plan(random, worldCase.Objects.Select(PhrasedObject.Of).ToList())
            : new PhrasedPlan(worldCase.Caption, worldCase.MotionPrompt, worldCase.Objects.Select(o => o.LocalPrompt).ToList());
        bool dropMotion = config.MotionReadsLocalPrompts && options.DropMotionPrompt > 0 && random.NextDouble() < options.DropMotionPrompt;
        return config.Stage == ModelStage.Motion
            ? StageConditions.ForMotion(config, tensors.FirstMasks, tensors.FirstFrame, dropMotion ? TextEmbedding.Null(text.Width) : text.Encode(plan.MotionPrompt),
                config.MotionReadsLocalPrompts ? plan.LocalPrompts.Select(text.Encode).ToList() : null)
            : StageConditions.ForVideo(config, tensors.FirstFrame, tensors.Motion(config), text.Encode(plan.Caption),
                plan.LocalPrompts.Select(text.Encode).ToList());
    }

    void UpdateEma()
    {
        // Warm-up of the decay so early checkpoints are not dominated by the random initialisation.
        double decay = Math.Min(options.EmaDecay, (1.0 + step) / (10.0 + step));
        using var _ = no_grad();
        using var keep = decay.ToScalar();
        using var blend = (1.0 - decay).ToScalar();
        foreach (var (averaged, current) in ema.parameters().Zip(model.parameters()))
            averaged.mul_(keep).add_(current, alpha: blend);
    }

    static void CopyWeights(nn.Module from, nn.Module to)
    {
        using var _ = no_grad();
        foreach (var (a, b) in to.parameters().Zip(from.parameters())) a.copy_(b);
    }

    static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    public void Dispose()
    {
        optimizer.Dispose();
        model.Dispose();
        ema.Dispose();
    }
}
