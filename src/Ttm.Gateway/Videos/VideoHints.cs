using System.Text.Json;
using Ttm.Protos.V1;

namespace Ttm.Gateway.Videos;

/// <summary>
/// <c>POST /v1/videos</c>'s <c>hints</c> form field: a JSON array of the same hints gRPC's <see cref="ObjectHint"/> carries
/// (points, a box, a motion path), read into those messages; their checks and limits follow in the request validator.
/// </summary>
public static class VideoHints
{
    /// <summary>Hints beyond this many characters are refused before they are parsed (8 hints of 16 points and 16 path points fit in 6 kB).</summary>
    public const int MaxCharacters = 16_384;

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    sealed record HintJson(IReadOnlyList<PointJson>? Points, BoxJson? Box, IReadOnlyList<PathPointJson>? Path);
    sealed record PointJson(float X, float Y);
    sealed record BoxJson(float X0, float Y0, float X1, float Y1);
    sealed record PathPointJson(float T, float X, float Y, float? Scale);

    /// <returns>the hints in order; none for an absent or empty field</returns>
    /// <exception cref="GenerationRefusal">the field is not such a JSON array (InvalidArgument naming <c>hints</c>)</exception>
    public static IEnumerable<ObjectHint> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        if (text.Length > MaxCharacters)
            throw GenerationErrors.Invalid($"hints is {text.Length} characters; at most {MaxCharacters} are accepted.", "hints");
        IReadOnlyList<HintJson?>? hints;
        try
        {
            hints = JsonSerializer.Deserialize<IReadOnlyList<HintJson?>>(text, Json);
        }
        catch (JsonException e)
        {
            throw GenerationErrors.Invalid($"hints is not a JSON array of {{\"points\", \"box\", \"path\"}} objects: {e.Message}", "hints");
        }
        return (hints ?? []).Select((hint, i) =>
        {
            if (hint is null) throw GenerationErrors.Invalid($"hints[{i}] is null; give points, a box or a path.", $"hints[{i}]");
            var message = new ObjectHint();
            message.Points.AddRange((hint.Points ?? []).Select(p => new Point { X = p.X, Y = p.Y }));
            if (hint.Box is { } box) message.Box = new Box { X0 = box.X0, Y0 = box.Y0, X1 = box.X1, Y1 = box.Y1 };
            message.Path.AddRange((hint.Path ?? []).Select(p => new PathPoint { T = p.T, X = p.X, Y = p.Y, Scale = p.Scale ?? 0 }));
            return message;
        }).ToList();
    }
}
