using System.Diagnostics;
using Ttm.Models;
using Ttm.Models.Generation;
using Ttm.Models.Sampling;
using Ttm.Training.Training;
using Ttm.Training.World;
using static TorchSharp.torch;

namespace Ttm.Training.Benchmark;

/// <summary>One case's generation and scores.</summary>
public sealed record ScoredCase(BenchCase Case, float[]? Trajectory, int[]? TrajectoryLabels, float[] Video, IReadOnlyDictionary<string, double> Scores, bool[] DirectionCorrect);

/// <summary>
/// Scores the two networks on shapes-world cases: each case's true plan and first-frame masks go in, the
/// generated video is compared with the truth (see <see cref="VideoMetrics"/>). Cases run as concurrent
/// generations through the chain, so with the device worker's stepper their steps are batched as served.
/// </summary>
/// <param name="source">where ŝ comes from: stage 1 from the sentence, or the world's true paths (all objects or some, what
/// a user dragging the objects exactly as the world moves them gets, <see cref="MotionPaths"/>), or its true mask frames</param>
public sealed class QualityBenchmark(TwoStageChain chain, SamplingOptions motion, SamplingOptions video, int concurrency = 8,
    MotionSource source = MotionSource.Text)
{
    /// <summary>Shapes-128's seeds sit far above every training seed (<see cref="StageTrainer.TrainingSeedLimit"/>).</summary>
    public const long SuiteSeed = 1L << 41;

    /// <summary>Shapes-128: 64 single-object and 64 multi-object cases from fixed seeds never used in training.</summary>
    public static IReadOnlyList<BenchCase> Shapes128(int perSplit = 64, int frames = 8, int size = 32)
    {
        var world = new ShapesWorld(frames, size, size);
        return Enumerable.Range(0, perSplit).Select(i => BenchCase.From(world.Generate(SuiteSeed + i, WorldSplit.Single)))
            .Concat(Enumerable.Range(0, perSplit).Select(i => BenchCase.From(world.Generate(SuiteSeed + 10_000 + i, WorldSplit.Multi))))
            .ToList();
    }

    public async Task<(IReadOnlyList<ScoredCase> Cases, double Seconds)> RunAsync(IReadOnlyList<BenchCase> cases, TextWriter? progress = null,
        CancellationToken cancellationToken = default)
    {
        var scored = new ScoredCase[cases.Count];
        var clock = Stopwatch.StartNew();
        using var slots = new SemaphoreSlim(concurrency);
        int done = 0;
        await Task.WhenAll(cases.Select(async (c, index) =>
        {
            await slots.WaitAsync(cancellationToken);
            try
            {
                await Task.Yield(); // off the caller's thread: each case's small tensor work runs on a pool thread
                var (first, masks) = FirstFrame(c);
                using var _ = first;
                using var __ = masks;
                using var trueTrajectory = source == MotionSource.TrueMasks ? TrueTrajectory(c) : null;
                var t = c.Truth;
                var paths = source switch
                {
                    MotionSource.Paths => TruePaths(c, dragged: _ => true),
                    MotionSource.MixedPaths => TruePaths(c, dragged: k => k % 2 == 0),
                    _ => null,
                };
                var input = new GenerationInput(first, masks, t.Caption, t.MotionPrompt, t.Objects.Select(o => o.LocalPrompt).ToList(),
                    motion with { Seed = index }, video with { Seed = index }, paths, trueTrajectory);
                using var output = await chain.RunAsync(input, ChainHooks.None, cancellationToken);
                using (NewDisposeScope()) scored[index] = Score(c, output, chain.MotionIsFlow);
                int finished = Interlocked.Increment(ref done);
                if (finished % concurrency == 0 || finished == cases.Count)
                    progress?.WriteLine($"  {finished}/{cases.Count} cases, {clock.Elapsed.TotalSeconds:F0} s");
            }
            finally
            {
                slots.Release();
            }
        }));
        return (scored, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The true path of each object <paramref name="dragged"/> picks (by plan index), the others left to stage 1.</summary>
    static MotionPaths TruePaths(BenchCase c, Func<int, bool> dragged)
    {
        var t = c.Truth;
        var paths = t.Objects.Select((o, k) => dragged(k) ? TruePath(o, t.Frames) : null).ToList();
        return new MotionPaths(c.FirstLabels, t.Width, t.Height, paths);
    }

    /// <summary>
    /// Where the world moves an object, as a user dragging it exactly along would draw it: the shapes world moves every
    /// object at a constant velocity and never scales it, but its recorded centroids and boxes are those of the visible
    /// pixels, which an occluder or the image's edge pulls aside and shrinks. So the path is the line fitted through the
    /// frames where the object is whole (its box at least 90 % as large as it ever is), at scale 1.
    /// </summary>
    static MotionPath TruePath(ObjectTruth o, int frames)
    {
        static int Area(int[] box) => box[0] < 0 ? 0 : (box[2] - box[0] + 1) * (box[3] - box[1] + 1);
        int whole = o.Boxes.Max(Area);
        var seen = Enumerable.Range(0, frames).Where(f => !float.IsNaN(o.Centroids[f][0])).ToList();
        if (seen.Count == 0) return new MotionPath([new PathPoint(0, 0, 0), new PathPoint(1, 0, 0)]); // never seen: nothing to move
        var fit = seen.Where(f => Area(o.Boxes[f]) >= 0.9 * whole).ToList();
        if (fit.Count < 2) fit = seen;
        (double At0, double Slope) Line(int axis)
        {
            double mf = fit.Average(), mv = fit.Average(f => o.Centroids[f][axis]);
            double spread = fit.Sum(f => (f - mf) * (f - mf));
            double slope = spread == 0 ? 0 : fit.Sum(f => (f - mf) * (o.Centroids[f][axis] - mv)) / spread;
            return (mv - slope * mf, slope);
        }
        var (x, y) = (Line(0), Line(1));
        return new MotionPath(Enumerable.Range(0, frames).Select(f => new PathPoint(
            frames == 1 ? 0f : f / (float)(frames - 1), (float)(x.At0 + x.Slope * f), (float)(y.At0 + y.Slope * f))).ToList());
    }

    /// <returns>the world's own mask frames as ŝ, (1, 3, T, H, W) painted with the palette</returns>
    static Tensor TrueTrajectory(BenchCase c)
    {
        var t = c.Truth;
        var labels = c.TrueLabels ?? throw new InvalidOperationException($"Case {c.Name} has no true mask frames to drive stage 2 with.");
        using var ids = tensor(labels.Select(l => (long)l).ToArray(), [1, t.Frames, t.Height, t.Width]);
        return TrajectoryPalette.Paint(ids);
    }

    /// <returns>x(0) (1, 3, H, W) in [-1, 1] and s(0) (1, 3, H, W) painted with the palette</returns>
    static (Tensor First, Tensor Masks) FirstFrame(BenchCase c)
    {
        using var scope = NewDisposeScope();
        var t = c.Truth;
        var first = tensor(c.FirstFrame, [1, t.Height, t.Width, 3]).permute(0, 3, 1, 2) * 2f - 1f; // (1, 3, H, W)
        var labels = tensor(c.FirstLabels.Select(l => (long)l).ToArray(), [1, 1, t.Height, t.Width]);
        var masks = TrajectoryPalette.Paint(labels).select(2, 0); // (1, 3, H, W)
        return (first.contiguous().MoveToOuterDisposeScope(), masks.contiguous().MoveToOuterDisposeScope());
    }

    static ScoredCase Score(BenchCase c, GenerationOutput output, bool motionIsFlow)
    {
        var t = c.Truth;
        int objects = t.Objects.Count;
        var video = VideoTensors.ToUnitPixels(output.Video);
        var scores = new Dictionary<string, double>();

        // Direction, endpoint and appearance from the generated frames, tracked by each object's colour.
        var correct = new bool[objects];
        double endpoint = 0, appearance = 0;
        for (int l = 1; l <= objects; l++)
        {
            var truth = t.Objects[l - 1];
            var colour = VideoMetrics.ObjectColour(c.FirstFrame, c.FirstLabels, l);
            var track = VideoMetrics.TrackByColour(video, t.Frames, t.Height, t.Width, colour);
            var (start, end) = (track.Centroids[0], track.Centroids[^1]);
            string read = VideoMetrics.DirectionOf(end[0] - start[0], end[1] - start[1], t.Width);
            correct[l - 1] = read == truth.Motion;
            var trueEnd = truth.Centroids[^1];
            endpoint += float.IsNaN(end[0]) || float.IsNaN(trueEnd[0])
                ? Math.Sqrt(t.Width * t.Width + t.Height * t.Height)
                : Math.Sqrt(Math.Pow(end[0] - trueEnd[0], 2) + Math.Pow(end[1] - trueEnd[1], 2));
            appearance += VideoMetrics.AppearanceConsistency(track);
        }
        scores["direction_accuracy"] = correct.Count(x => x) / (double)objects;
        scores["endpoint_error_px"] = endpoint / objects;
        scores["appearance_consistency"] = appearance / objects;
        int frameLength = t.Height * t.Width * 3;
        scores["first_frame_psnr"] = VideoMetrics.Psnr(video, c.FirstFrame, 0, frameLength);
        if (c.TrueFrames is not null)
        {
            scores["video_psnr"] = VideoMetrics.Psnr(video, c.TrueFrames);
            scores["video_ssim"] = VideoMetrics.Ssim(video, c.TrueFrames, t.Frames, t.Height, t.Width);
        }

        float[]? trajectory = null;
        int[]? trajectoryLabels = null;
        if (output.Trajectory is not null && motionIsFlow)
        {
            // Stage 1 on its own: does each object's first-frame region flow the prompted way by the last frame?
            trajectory = VideoTensors.ToUnitPixels(output.Trajectory);
            var flow = output.Trajectory.contiguous().data<float>().ToArray(); // (3, T, H, W)
            int flowCorrect = 0;
            for (int l = 1; l <= objects; l++)
            {
                var (dx, dy) = MotionFlow.MeanDisplacement(flow, c.FirstLabels, l, t.Frames, t.Height, t.Width);
                if (VideoMetrics.DirectionOf(dx, dy, t.Width) == t.Objects[l - 1].Motion) flowCorrect++;
            }
            scores["trajectory_direction_accuracy"] = flowCorrect / (double)objects;
        }
        else if (output.Trajectory is not null)
        {
            trajectory = VideoTensors.ToUnitPixels(output.Trajectory);
            using var read = TrajectoryPalette.Read(output.Trajectory, objects);
            trajectoryLabels = read.data<long>().ToArray().Select(v => (int)v).ToArray();
            if (c.TrueLabels is not null)
                scores["mask_iou"] = VideoMetrics.MaskIou(trajectoryLabels, c.TrueLabels, t.Frames, objects);
            // Stage 1 on its own: does each object's mask in ŝ move as prompted?
            int trajectoryCorrect = 0;
            for (int l = 1; l <= objects; l++)
            {
                var (start, end) = (VideoMetrics.Centroid(trajectoryLabels, t.Height, t.Width, 0, l), VideoMetrics.Centroid(trajectoryLabels, t.Height, t.Width, t.Frames - 1, l));
                if (VideoMetrics.DirectionOf(end[0] - start[0], end[1] - start[1], t.Width) == t.Objects[l - 1].Motion) trajectoryCorrect++;
            }
            scores["trajectory_direction_accuracy"] = trajectoryCorrect / (double)objects;
        }
        return new ScoredCase(c, trajectory, trajectoryLabels, video, scores, correct);
    }

    /// <summary>Averages per split; direction accuracy and endpoint error are averaged over objects, the rest over cases.</summary>
    public static QualityReport Report(string suite, string variant, IReadOnlyList<ScoredCase> cases, double seconds) =>
        new(suite, variant, cases.Count,
            Aggregate(cases.Where(c => !c.Case.IsMulti).ToList(), seconds / cases.Count), Aggregate(cases.Where(c => c.Case.IsMulti).ToList(), seconds / cases.Count));

    /// <summary>One split's metrics: direction accuracy and endpoint error over objects, the rest over cases.</summary>
    public static Dictionary<string, double> Aggregate(IReadOnlyList<ScoredCase> split, double secondsPerCase)
    {
        var result = new Dictionary<string, double>();
        if (split.Count == 0) return result;
        var objects = split.SelectMany(s => s.DirectionCorrect).ToList();
        result["direction_accuracy"] = objects.Count(x => x) / (double)objects.Count;
        result["endpoint_error_px"] = split.Sum(s => s.Scores["endpoint_error_px"] * s.DirectionCorrect.Length) / objects.Count;
        foreach (var m in new[] { "trajectory_direction_accuracy", "mask_iou", "first_frame_psnr", "video_psnr", "video_ssim", "appearance_consistency" })
        {
            var values = split.Where(s => s.Scores.ContainsKey(m)).Select(s => s.Scores[m]).ToList();
            if (values.Count > 0) result[m] = values.Average();
        }
        result["seconds_per_case"] = secondsPerCase;
        return result;
    }
}
