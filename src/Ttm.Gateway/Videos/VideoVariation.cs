using System.ComponentModel;
using Ttm.Protos.V1;

namespace Ttm.Gateway.Videos;

/// <summary>
/// <c>POST /v1/videos/{id}/variations</c>'s JSON body, read into the same <see cref="VaryRequest"/> gRPC takes: the
/// variation's seed, and optionally a request id that makes a retry find the variation it started.
/// </summary>
public sealed record VideoVariation(
    [property: Description("The video stage's seed (any 64-bit integer); absent: random.")] long? Seed,
    [property: Description("Optional, at most 128 characters: the same id and body again answer the variation already started.")]
    string? RequestId)
{
    public VaryRequest ToRequest(string sourceId)
    {
        var request = new VaryRequest { SourceId = sourceId, RequestId = RequestId ?? "" };
        if (Seed is { } seed) request.Seed = seed;
        return request;
    }
}
