namespace Ttm.Models.Simulation;

/// <summary>
/// How long one forward pass takes on a device we cannot run here, from measurements on that device: for each stage, the
/// median milliseconds of one pass of the tiny network at a number of rows (three rows per request with guidance), read
/// as a non-decreasing piecewise-linear curve (a point measured slower than a larger batch is taken at the larger
/// batch's time: warm-up noise), extended past the last point along its last segment. Another configuration costs the
/// tiny network's time scaled by its FLOPs per row (<see cref="ForwardFlops"/>): the utilisation tiny reached at that
/// batch, which underrates larger networks (they fill the GPU better), so simulated times for them are an upper bound.
/// </summary>
public sealed class DeviceCostModel
{
    /// <summary>
    /// One H100 (wave 1's run of the tiny DiT through TorchSharp's libtorch on CUDA, fp32,
    /// docs/measurements/h100/batching.json, `./ttm bench batching --device cuda`).
    /// </summary>
    public static DeviceCostModel H100 { get; } = new("h100",
        motion: [(3, 11.67), (6, 17.41), (12, 18.81), (24, 19.27), (48, 19.37), (96, 33.34)],
        video: [(3, 25.14), (6, 23.38), (12, 20.19), (24, 23.1), (48, 34.59), (96, 63.87)],
        // SAM grounding of one image has not been measured on an H100: its 2-core CPU time (1.197 s median, encoder and
        // decoder runs, docs/measurements/pipeline-photos.json "segment") scaled by the tiny DiT's H100 : CPU ratio for
        // one stage-2 pass of 3 rows (20.19 ms above, non-decreasing; 81.41 ms, docs/measurements/forward.json).
        segmentSeconds: 1.197 * 20.19 / 81.41);

    public static IReadOnlyDictionary<string, DeviceCostModel> Profiles { get; } = new Dictionary<string, DeviceCostModel> { ["h100"] = H100 }.AsReadOnly();

    /// <summary>The device names that select a simulated device, for messages.</summary>
    public static string Names => string.Join(", ", Profiles.Keys.Select(p => $"sim:{p}"));

    readonly (int Rows, double Milliseconds)[] motion, video;

    DeviceCostModel(string profile, (int, double)[] motion, (int, double)[] video, double segmentSeconds)
    {
        Profile = profile;
        SegmentSeconds = segmentSeconds;
        this.motion = NonDecreasing(motion);
        this.video = NonDecreasing(video);
    }

    public string Profile { get; }

    /// <summary>
    /// Seconds of grounding one image's objects with SAM on this device (<c>Ttm.Pipeline.Segmentation.SimulatedSegmentation</c>):
    /// an upper bound where it is scaled from a CPU measurement, as a convolutional encoder fills a GPU better than the tiny DiT.
    /// </summary>
    public double SegmentSeconds { get; }

    /// <summary>Seconds of one forward pass of <paramref name="rows"/> rows of a network of <paramref name="config"/>.</summary>
    /// <exception cref="NotSupportedException">the configuration's backbone has no measurement to scale from</exception>
    public double PassSeconds(TtmConfig config, int rows)
    {
        if (config.Backbone != Backbone.Dit)
            throw new NotSupportedException($"The simulated {Profile} is calibrated on the DiT; no measurement of the {config.Backbone} on it exists to scale from.");
        var curve = config.Stage == ModelStage.Motion ? motion : video;
        var tiny = TtmConfig.Named("tiny") with { Stage = config.Stage, Variant = config.Variant };
        double scale = PerRow(config) / PerRow(tiny);
        return Milliseconds(curve, Math.Max(1, rows)) * scale / 1000;
    }

    /// <summary>Rows of one request's pass with guidance (conditional, visual-only, unconditional).</summary>
    public const int RowsPerRequest = 3;

    /// <summary>
    /// Device seconds of one generation's denoising (rows × tokens × steps, read through the measured curves):
    /// <paramref name="motionSteps"/> passes of stage 1 and <paramref name="videoSteps"/> of stage 2, each sharing its pass
    /// with <paramref name="batch"/> − 1 others (1: alone; the device's largest batch: its best rate per generation).
    /// </summary>
    public double GenerationSeconds(TtmConfig motionConfig, TtmConfig videoConfig, int motionSteps, int videoSteps, int batch = 1)
    {
        int rows = RowsPerRequest * Math.Max(1, batch);
        return (motionSteps * PassSeconds(motionConfig, rows) + videoSteps * PassSeconds(videoConfig, rows)) / Math.Max(1, batch);
    }

    /// <summary>The tiny DiT's two stages (what models/tiny ships), the unit every placement estimate is read in.</summary>
    public static (TtmConfig Motion, TtmConfig Video) Tiny { get; } =
        (TtmConfig.Named("tiny") with { Stage = ModelStage.Motion }, TtmConfig.Named("tiny") with { Stage = ModelStage.Video });

    /// <summary>FLOPs per row at the prompt lengths of a typical request (16 prompt tokens, three objects of 6).</summary>
    static double PerRow(TtmConfig c) => ForwardFlops.PerRow(c, 16, [6, 6, 6]);

    static double Milliseconds((int Rows, double Milliseconds)[] curve, int rows)
    {
        if (rows <= curve[0].Rows) return curve[0].Milliseconds;
        for (int i = 1; i < curve.Length; i++)
            if (rows <= curve[i].Rows) return Between(curve[i - 1], curve[i], rows);
        return Between(curve[^2], curve[^1], rows); // past the last measurement: along the last segment
    }

    static double Between((int Rows, double Milliseconds) a, (int Rows, double Milliseconds) b, int rows) =>
        a.Milliseconds + (b.Milliseconds - a.Milliseconds) * (rows - a.Rows) / (b.Rows - a.Rows);

    static (int, double)[] NonDecreasing((int Rows, double Milliseconds)[] points) =>
        points.Select((p, i) => (p.Rows, points.Skip(i).Min(q => q.Milliseconds))).ToArray();
}
