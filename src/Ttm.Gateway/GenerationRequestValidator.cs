using Grpc.Core;
using Ttm.Protos.V1;

namespace Ttm.Gateway;

/// <summary>Checks a request before anything is accepted; a bad one becomes InvalidArgument with a message a person can act on.</summary>
public static class GenerationRequestValidator
{
    public const int MaxImageBytes = 32 * 1024 * 1024;
    public const int MaxPromptCharacters = 2_000;

    public static void Validate(GenerateRequest request)
    {
        if (request.Image.IsEmpty) throw Invalid("The image is empty; send a PNG or JPEG file in the image field.");
        if (request.Image.Length > MaxImageBytes) throw Invalid($"The image is {request.Image.Length / (1024 * 1024)} MB; the limit is 32 MB.");
        if (string.IsNullOrWhiteSpace(request.Prompt)) throw Invalid("The prompt is empty; describe how the objects in the image should move.");
        if (request.Prompt.Length > MaxPromptCharacters)
            throw Invalid($"The prompt has {request.Prompt.Length} characters; at most {MaxPromptCharacters} are accepted.");
        foreach (var (name, steps) in new[] { ("motion_steps", request.MotionSteps), ("video_steps", request.VideoSteps) })
            if (steps < 0 || steps > 200) throw Invalid($"{name} must lie in 1..200 (0 for the default), not {steps}.");
        if (request.PreviewSize != 0 && (request.PreviewSize < 16 || request.PreviewSize > 1024))
            throw Invalid($"preview_size must lie in 16..1024 pixels (0 for the default), not {request.PreviewSize}.");
        if (request.DeadlineSeconds < 0) throw Invalid("deadline_seconds cannot be negative.");
    }

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
