using System.Security.Cryptography;
using Google.Protobuf;
using Ttm.Grains;
using Ttm.Pipeline.Images;
using Ttm.Protos.V1;
using static Ttm.Grains.GenerationLimits;

namespace Ttm.Gateway;

/// <summary>
/// Checks a request before anything is accepted (a bad one becomes InvalidArgument with a message a person can
/// act on) and fills in the defaults, all from <see cref="GenerationLimits"/>.
/// </summary>
public static class GenerationRequestValidator
{
    public static void Validate(GenerateRequest request)
    {
        if (request.Image.IsEmpty) throw GenerationErrors.Invalid("The image is empty; send a PNG or JPEG file in the image field.");
        if (request.Image.Length > MaxImageBytes)
            throw GenerationErrors.Invalid($"The image is {request.Image.Length / (1024 * 1024)} MB; the limit is {MaxImageBytes / (1024 * 1024)} MB.");
        // The header, before anything is stored: not an image, or one that claims a decompression bomb's size.
        var image = request.Image.Span;
        if (!ImageHeader.HasImageSignature(image))
            throw GenerationErrors.Invalid("The image field is not an image: it starts with no PNG, JPEG, GIF, WebP or BMP signature.");
        if (ImageHeader.ClaimedSize(image) is { } size && (size.Width <= 0 || size.Height <= 0 || size.Width > MaxImageSide || size.Height > MaxImageSide
                                                           || (long)size.Width * size.Height > MaxImagePixels))
            throw GenerationErrors.Invalid($"The image claims {size.Width}×{size.Height} pixels; at most {MaxImageSide} pixels a side and "
                + $"{MaxImagePixels / 1_000_000} megapixels are accepted.");
        if (string.IsNullOrWhiteSpace(request.Prompt)) throw GenerationErrors.Invalid("The prompt is empty; describe how the objects in the image should move.");
        if (request.Prompt.Length > MaxPromptCharacters)
            throw GenerationErrors.Invalid($"The prompt has {request.Prompt.Length} characters; at most {MaxPromptCharacters} are accepted.");
        foreach (var (name, steps) in new[] { ("motion_steps", request.MotionSteps), ("video_steps", request.VideoSteps) })
            if (steps < 0 || steps > MaxSteps) throw GenerationErrors.Invalid($"{name} must lie in 1..{MaxSteps} (0 for {DefaultSteps}), not {steps}.");
        if (request.PreviewSize != 0 && (request.PreviewSize < MinDisplaySize || request.PreviewSize > MaxDisplaySize))
            throw GenerationErrors.Invalid($"preview_size must lie in {MinDisplaySize}..{MaxDisplaySize} pixels (0 for {DefaultDisplaySize}), not {request.PreviewSize}.");
        if (request.DeadlineSeconds < 0) throw GenerationErrors.Invalid("deadline_seconds cannot be negative.");
        if (request.RequestId.Length > MaxRequestIdCharacters)
            throw GenerationErrors.Invalid($"request_id has {request.RequestId.Length} characters; at most {MaxRequestIdCharacters} are accepted.");
    }

    /// <summary>A checked request as the generation's spec, every absent field at its default.</summary>
    public static GenerationSpec ToSpec(GenerateRequest request, string tenant, string imageKey) => new(tenant, imageKey, request.Prompt,
        request.HasSeed ? request.Seed : Random.Shared.NextInt64(),
        request.MotionSteps == 0 ? DefaultSteps : request.MotionSteps, request.VideoSteps == 0 ? DefaultSteps : request.VideoSteps,
        request.MotionGuidance?.Visual ?? DefaultGuidanceVisual, request.MotionGuidance?.Text ?? DefaultGuidanceText,
        request.VideoGuidance?.Visual ?? DefaultGuidanceVisual, request.VideoGuidance?.Text ?? DefaultGuidanceText,
        request.PreviewEvery == 0 ? DefaultPreviewEvery : Math.Max(0, request.PreviewEvery), request.PreviewSize == 0 ? DefaultDisplaySize : request.PreviewSize,
        request.Formats.Count == 0 ? ["Mp4"] : request.Formats.Select(Format).ToList(),
        request.Hints.Select(h => (ObjectHintSpec?)new ObjectHintSpec(h.Points.SelectMany(p => new[] { p.X, p.Y }).ToList(),
            h.Box is null ? null : [h.Box.X0, h.Box.Y0, h.Box.X1, h.Box.Y1])).ToList(),
        Convert.ToHexString(SHA256.HashData(request.ToByteArray())),
        request.DeadlineSeconds > 0 ? TimeSpan.FromSeconds(request.DeadlineSeconds) : null);

    static string Format(VideoFormat format) => format switch
    {
        VideoFormat.Webm => "WebM",
        VideoFormat.Gif => "Gif",
        VideoFormat.PngFrames => "PngFrames",
        _ => "Mp4",
    };
}
