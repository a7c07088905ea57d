using System.ComponentModel;
using Ttm.Protos.V1;

namespace Ttm.Gateway.Videos;

/// <summary>
/// <c>POST /v1/videos/{id}/continue</c>'s JSON body, read into the same <see cref="ContinueRequest"/> gRPC takes: the objects
/// whose reviewed motion is edited, each with its new path, and optionally the video stage's seed.
/// </summary>
public sealed record VideoContinuation(
    [property: Description("Per edited object (its index in the plan), its path; objects not named keep the reviewed motion. At most 8.")]
    IReadOnlyList<VideoObjectPath>? Paths,
    [property: Description("The video stage's seed; absent: the request's.")] long? Seed)
{
    public ContinueRequest ToRequest(string id)
    {
        var request = new ContinueRequest { GenerationId = id };
        if (Seed is { } seed) request.Seed = seed;
        foreach (var path in Paths ?? [])
        {
            var message = new ObjectPath { Object = path.Object };
            message.Points.AddRange((path.Points ?? []).Select(p => new PathPoint { T = p.T, X = p.X, Y = p.Y, Scale = p.Scale ?? 0 }));
            request.Paths.Add(message);
        }
        return request;
    }
}

/// <summary>One object's edited path: 2..16 points, times from 0 to 1 in order, positions in the uploaded image's pixels.</summary>
public sealed record VideoObjectPath(
    [property: Description("The object's index in the plan (as the awaiting_review event lists them).")] int Object,
    IReadOnlyList<VideoPathPoint>? Points);

/// <summary>Where the object is at time t of the clip (0 the first frame, 1 the last), and its size against the first frame's (0.25..4; absent 1).</summary>
public sealed record VideoPathPoint(float T, float X, float Y, float? Scale);
