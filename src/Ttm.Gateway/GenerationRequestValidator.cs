using System.Security.Cryptography;
using Google.Protobuf;
using Ttm.Grains;
using Ttm.Pipeline.Images;
using Ttm.Protos.V1;
using static Ttm.Grains.GenerationLimits;
using Contracts = Ttm.Contracts;

namespace Ttm.Gateway;

/// <summary>
/// Checks a request before anything is accepted (a bad one becomes InvalidArgument with a message a person can
/// act on) and fills in the defaults, all from <see cref="GenerationLimits"/>.
/// </summary>
public static class GenerationRequestValidator
{
    public static void Validate(GenerateRequest request)
    {
        if (request.Image.IsEmpty) throw GenerationErrors.Invalid("The image is empty; send a PNG or JPEG file in the image field.", "image");
        if (request.Image.Length > MaxImageBytes)
            throw GenerationErrors.Invalid($"The image is {request.Image.Length / (1024 * 1024)} MB; the limit is {MaxImageBytes / (1024 * 1024)} MB.", "image");
        // The header, before anything is stored: not an image, or one that claims a decompression bomb's size.
        var image = request.Image.Span;
        if (!ImageHeader.HasImageSignature(image))
            throw GenerationErrors.Invalid("The image field is not an image: it starts with no PNG, JPEG, GIF, WebP or BMP signature.", "image");
        if (ImageHeader.ClaimedSize(image) is { } size && (size.Width <= 0 || size.Height <= 0 || size.Width > MaxImageSide || size.Height > MaxImageSide
                                                           || (long)size.Width * size.Height > MaxImagePixels))
            throw GenerationErrors.Invalid($"The image claims {size.Width}×{size.Height} pixels; at most {MaxImageSide} pixels a side and "
                + $"{MaxImagePixels / 1_000_000} megapixels are accepted.");
        if (string.IsNullOrWhiteSpace(request.Prompt)) throw GenerationErrors.Invalid("The prompt is empty; describe how the objects in the image should move.", "prompt");
        if (request.Prompt.Length > MaxPromptCharacters)
            throw GenerationErrors.Invalid($"The prompt has {request.Prompt.Length} characters; at most {MaxPromptCharacters} are accepted.", "prompt");
        foreach (var (name, steps) in new[] { ("motion_steps", request.MotionSteps), ("video_steps", request.VideoSteps) })
            if (steps < 0 || steps > MaxSteps) throw GenerationErrors.Invalid($"{name} must lie in 1..{MaxSteps} (0 for {DefaultSteps}), not {steps}.", name);
        if (request.PreviewSize != 0 && (request.PreviewSize < MinDisplaySize || request.PreviewSize > MaxDisplaySize))
            throw GenerationErrors.Invalid($"preview_size must lie in {MinDisplaySize}..{MaxDisplaySize} pixels (0 for {DefaultDisplaySize}), not {request.PreviewSize}.", "preview_size");
        if (!double.IsFinite(request.DeadlineSeconds) || request.DeadlineSeconds < 0 || request.DeadlineSeconds > MaxDeadlineSeconds)
            throw GenerationErrors.Invalid($"deadline_seconds must lie in 0..{MaxDeadlineSeconds} (0: none), not {request.DeadlineSeconds}.", "deadline_seconds");
        if (request.RequestId.Length > MaxRequestIdCharacters)
            throw GenerationErrors.Invalid($"request_id has {request.RequestId.Length} characters; at most {MaxRequestIdCharacters} are accepted.", "request_id");
        if (request.RequestId.Any(char.IsControl))
            throw GenerationErrors.Invalid("request_id contains control characters; use printable text.", "request_id");
        foreach (var (name, guidance) in new[] { ("motion_guidance", request.MotionGuidance), ("video_guidance", request.VideoGuidance) })
            if (guidance is not null && !(InGuidanceRange(guidance.Visual) && InGuidanceRange(guidance.Text)))
                throw GenerationErrors.Invalid($"{name} must have visual and text in 0..{MaxGuidance}, not {guidance.Visual} and {guidance.Text}.", name);
        if (!Enum.IsDefined(request.Priority)) throw GenerationErrors.Invalid($"priority {(int)request.Priority} is no Priority (INTERACTIVE or BATCH).", "priority");
        if (!Enum.IsDefined(request.StepCache)) throw GenerationErrors.Invalid($"step_cache {(int)request.StepCache} is no StepCache (OFF, BALANCED or AGGRESSIVE).", "step_cache");
        if (request.Formats.Count > MaxFormats) throw GenerationErrors.Invalid($"formats lists {request.Formats.Count}; at most {MaxFormats} are accepted.", "formats");
        if (request.Formats.Any(f => !Enum.IsDefined(f))) throw GenerationErrors.Invalid("formats holds a value that is no VideoFormat (MP4, WEBM, GIF, PNG_FRAMES).", "formats");
        if (request.Formats.Select(Format).Distinct().Count() != request.Formats.Count) throw GenerationErrors.Invalid("formats names a format twice.", "formats");
        ValidateHints(request, ImageHeader.ClaimedSize(image));
    }

    static bool InGuidanceRange(float v) => float.IsFinite(v) && v >= 0 && v <= MaxGuidance;

    /// <summary>Hints: a few, each with at most 16 finite points, an ordered box and a path in time order, all inside the image.</summary>
    static void ValidateHints(GenerateRequest request, (int Width, int Height)? size)
    {
        if (request.Hints.Count > MaxHints) throw GenerationErrors.Invalid($"hints lists {request.Hints.Count}; at most {MaxHints} are accepted.", "hints");
        for (int i = 0; i < request.Hints.Count; i++)
        {
            var hint = request.Hints[i];
            if (hint.Points.Count == 0 && hint.Box is null && hint.Path.Count == 0) throw GenerationErrors.Invalid($"hints[{i}] has neither points, a box nor a path.", $"hints[{i}]");
            if (hint.Points.Count > MaxPointsPerHint)
                throw GenerationErrors.Invalid($"hints[{i}] has {hint.Points.Count} points; at most {MaxPointsPerHint} are accepted.", $"hints[{i}]");
            void Inside(string what, float x, float y)
            {
                if (!float.IsFinite(x) || !float.IsFinite(y)) throw GenerationErrors.Invalid($"hints[{i}] {what} is not finite ({x}, {y}).", $"hints[{i}]");
                if (x < 0 || y < 0 || (size is { } s && (x > s.Width || y > s.Height)))
                    throw GenerationErrors.Invalid($"hints[{i}] {what} ({x}, {y}) lies outside the image{(size is { } z ? $" ({z.Width}×{z.Height})" : "")}.");
            }
            foreach (var p in hint.Points) Inside("point", p.X, p.Y);
            if (hint.Path.Count > 0)
            {
                if (hint.Path.Count is < 2 or > MaxPathPoints)
                    throw GenerationErrors.Invalid($"hints[{i}] path has {hint.Path.Count} points; a path needs 2..{MaxPathPoints}.", $"hints[{i}]");
                for (int j = 0; j < hint.Path.Count; j++)
                {
                    var p = hint.Path[j];
                    if (!float.IsFinite(p.T) || p.T < 0 || p.T > 1 || (j > 0 && !(p.T > hint.Path[j - 1].T)))
                        throw GenerationErrors.Invalid($"hints[{i}] path[{j}] t = {p.T}: times run from 0 to 1, each later than the one before.", $"hints[{i}]");
                    Inside($"path[{j}]", p.X, p.Y);
                    if (!float.IsFinite(p.Scale) || (p.Scale != 0 && (p.Scale < MinPathScale || p.Scale > MaxPathScale)))
                        throw GenerationErrors.Invalid($"hints[{i}] path[{j}] scale {p.Scale} lies outside {MinPathScale}..{MaxPathScale} (0: unchanged).", $"hints[{i}]");
                }
            }
            if (hint.Box is { } box)
            {
                Inside("box corner", box.X0, box.Y0);
                Inside("box corner", box.X1, box.Y1);
                if (!(box.X0 < box.X1 && box.Y0 < box.Y1)) throw GenerationErrors.Invalid($"hints[{i}] box needs x0 < x1 and y0 < y1, not ({box.X0}, {box.Y0}, {box.X1}, {box.Y1}).", $"hints[{i}]");
            }
        }
    }

    /// <summary>A checked request as the generation's spec, every absent field at its default.</summary>
    /// <param name="defaultStepCache">the setting of a request that names none (the tenant's policy)</param>
    /// <param name="digest">the request's <see cref="DigestOf"/></param>
    public static GenerationSpec ToSpec(GenerateRequest request, string tenant, string imageKey, string digest, Contracts.StepCache defaultStepCache = Contracts.StepCache.Off) => new(tenant, imageKey, request.Prompt,
        request.HasSeed ? request.Seed : Random.Shared.NextInt64(),
        request.MotionSteps == 0 ? DefaultSteps : request.MotionSteps, request.VideoSteps == 0 ? DefaultSteps : request.VideoSteps,
        request.MotionGuidance?.Visual ?? DefaultGuidanceVisual, request.MotionGuidance?.Text ?? DefaultGuidanceText,
        request.VideoGuidance?.Visual ?? DefaultGuidanceVisual, request.VideoGuidance?.Text ?? DefaultGuidanceText,
        request.PreviewEvery == 0 ? DefaultPreviewEvery : Math.Max(0, request.PreviewEvery), request.PreviewSize == 0 ? DefaultDisplaySize : request.PreviewSize,
        request.Formats.Count == 0 ? [Contracts.VideoFormat.Mp4] : request.Formats.Select(Format).ToList(),
        request.Hints.Select(h => (ObjectHintSpec?)new ObjectHintSpec(h.Points.SelectMany(p => new[] { p.X, p.Y }).ToList(),
            h.Box is null ? null : [h.Box.X0, h.Box.Y0, h.Box.X1, h.Box.Y1],
            h.Path.Count == 0 ? null : h.Path.SelectMany(p => new[] { p.T, p.X, p.Y, p.Scale == 0 ? 1f : p.Scale }).ToList())).ToList(),
        digest,
        request.DeadlineSeconds > 0 ? TimeSpan.FromSeconds(request.DeadlineSeconds) : null, Batch: request.Priority == Priority.Batch,
        StepCache: request.StepCache switch
        {
            StepCache.Off => Contracts.StepCache.Off,
            StepCache.Balanced => Contracts.StepCache.Balanced,
            StepCache.Aggressive => Contracts.StepCache.Aggressive,
            _ => defaultStepCache,
        }, StopAfterMotion: request.StopAfterMotion);

    /// <summary>What identifies a request: a retry with the same request id and this digest is the same request.</summary>
    public static string DigestOf(GenerateRequest request)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var withoutImage = request.Clone();
        withoutImage.Image = ByteString.Empty;
        hash.AppendData(withoutImage.ToByteArray());
        hash.AppendData(request.Image.Span);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    static Contracts.VideoFormat Format(VideoFormat format) => format switch
    {
        VideoFormat.Webm => Contracts.VideoFormat.WebM,
        VideoFormat.Gif => Contracts.VideoFormat.Gif,
        VideoFormat.PngFrames => Contracts.VideoFormat.PngFrames,
        _ => Contracts.VideoFormat.Mp4,
    };
}
