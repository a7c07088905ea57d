using System.ComponentModel;
using System.Globalization;
using Google.Protobuf;
using Microsoft.AspNetCore.Mvc;
using Ttm.Grains;
using Ttm.Protos.V1;

namespace Ttm.Gateway.Videos;

/// <summary>
/// <c>POST /v1/videos</c>'s multipart form, read into the same <see cref="GenerateRequest"/> gRPC takes: the same checks, limits
/// and messages follow from there. Absent fields take gRPC's defaults.
/// </summary>
public sealed class VideoRequestForm
{
    [FromForm(Name = "prompt"), Description("How the objects should move, 1..2000 characters.")]
    public string? Prompt { get; set; }

    [FromForm(Name = "input_reference"), Description("The first frame: PNG or JPEG, at most 32 MB.")]
    public IFormFile? InputReference { get; set; }

    [FromHeader(Name = "Idempotency-Key"), Description("Another way to give request_id.")]
    public string? IdempotencyKey { get; set; }

    [FromForm(Name = "seed"), Description("Same seed, same video; random when absent.")]
    public long? Seed { get; set; }

    [FromForm(Name = "steps"), Description("Euler steps of both stages, 1..200 (default 16); motion_steps / video_steps set one.")]
    public int? Steps { get; set; }

    [FromForm(Name = "motion_steps")]
    public int? MotionSteps { get; set; }

    [FromForm(Name = "video_steps")]
    public int? VideoSteps { get; set; }

    [FromForm(Name = "size"), Description("Longest side of previews and outputs: \"256\" or \"WxH\" (its longer side), 16..1024; default 256.")]
    public string? Size { get; set; }

    [FromForm(Name = "formats"), Description("Comma-separated: mp4, webm, gif, png_frames (default mp4).")]
    public string? Formats { get; set; }

    [FromForm(Name = "priority"), Description("interactive (default) or batch.")]
    public string? Priority { get; set; }

    [FromForm(Name = "request_id"), Description("Idempotency: the same id and request again returns the job already started (or send an Idempotency-Key header).")]
    public string? RequestId { get; set; }

    [FromForm(Name = "deadline_seconds"), Description("Cancel after this long, 0..86400; 0 = none.")]
    public double? DeadlineSeconds { get; set; }

    [FromForm(Name = "preview_every"), Description("A preview every this many steps; 0 = 4; negative = none.")]
    public int? PreviewEvery { get; set; }

    [FromForm(Name = "stop_after_motion"), Description("true: end with the trajectory (status awaiting_review); POST /v1/videos/{id}/continue runs the video.")]
    public bool? StopAfterMotion { get; set; }

    [FromForm(Name = "hints"), Description("JSON: per object in the order the prompt mentions them, {\"points\": [{\"x\", \"y\"}], \"box\": {\"x0\", \"y0\", \"x1\", \"y1\"}, " +
        "\"path\": [{\"t\", \"x\", \"y\", \"scale\"}]} in image pixels, any of the three; an object with a path is dragged along it instead of moved by stage 1. At most 8.")]
    public string? Hints { get; set; }

    public async Task<GenerateRequest> ToRequestAsync(CancellationToken cancellationToken)
    {
        var inputReference = InputReference;
        if (inputReference is null) throw GenerationErrors.Invalid("input_reference is missing: send the first frame (PNG or JPEG) as a multipart file field named input_reference.");
        if (inputReference.Length > GenerationLimits.MaxImageBytes)
            throw GenerationErrors.Invalid($"input_reference is {inputReference.Length / (1024 * 1024)} MB; the limit is {GenerationLimits.MaxImageBytes / (1024 * 1024)} MB.");
        var image = new MemoryStream((int)inputReference.Length);
        await inputReference.CopyToAsync(image, cancellationToken);
        var request = new GenerateRequest
        {
            Image = UnsafeByteOperations.UnsafeWrap(image.GetBuffer().AsMemory(0, (int)image.Length)), Prompt = Prompt ?? "",
            MotionSteps = MotionSteps ?? Steps ?? 0, VideoSteps = VideoSteps ?? Steps ?? 0, PreviewSize = ParseSize(Size),
            RequestId = RequestId ?? IdempotencyKey ?? "", DeadlineSeconds = DeadlineSeconds ?? 0, PreviewEvery = PreviewEvery ?? 0,
            StopAfterMotion = StopAfterMotion ?? false,
            Priority = Priority?.Trim().ToLowerInvariant() switch
            {
                null or "" or "interactive" => Protos.V1.Priority.Interactive,
                "batch" => Protos.V1.Priority.Batch,
                var other => throw GenerationErrors.Invalid($"priority must be interactive or batch, not '{other}'."),
            },
        };
        if (Seed is { } seed) request.Seed = seed;
        request.Hints.AddRange(VideoHints.Parse(Hints));
        foreach (var name in (Formats ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            request.Formats.Add(name.ToLowerInvariant() switch
            {
                "mp4" => VideoFormat.Mp4,
                "webm" => VideoFormat.Webm,
                "gif" => VideoFormat.Gif,
                "png_frames" => VideoFormat.PngFrames,
                _ => throw GenerationErrors.Invalid($"formats: '{name}' is no format (mp4, webm, gif, png_frames)."),
            });
        return request;
    }

    /// <summary>"256" or "320x240" (OpenAI's WxH: the longer side is what sets the outputs here, the image keeps its aspect).</summary>
    static int ParseSize(string? size)
    {
        if (string.IsNullOrWhiteSpace(size)) return 0;
        var sides = size.ToLowerInvariant().Split('x');
        if (sides.Length > 2 || !sides.All(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            throw GenerationErrors.Invalid($"size must be a number of pixels (\"256\") or WxH (\"256x256\"), not '{size}'.");
        return sides.Max(s => int.Parse(s, CultureInfo.InvariantCulture));
    }
}
