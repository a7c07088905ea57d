using Grpc.Core;
using Ttm.Grains;

namespace Ttm.Gateway;

/// <summary>Every gRPC status the generation service answers with is decided here, with a message a person can act on.</summary>
public static class GenerationErrors
{
    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException NotFound(string id) =>
        new(new Status(StatusCode.NotFound, $"No generation '{id}'. Ids come from the accepted event of Generate, or from List."));

    public static RpcException Deleted(string id) => new(new Status(StatusCode.NotFound, $"Generation '{id}' was deleted while this call followed it."));

    /// <summary>Over a limit: which one, in words, and a <c>retry-after</c> trailer (seconds) saying when a retry can succeed.</summary>
    public static RpcException Exhausted(string limit, string message, TimeSpan? retryAfter)
    {
        var trailers = new Metadata { { "ttm-limit", limit } };
        if (retryAfter is { } r) trailers.Add("retry-after", Math.Max(1, (int)Math.Ceiling(r.TotalSeconds)).ToString());
        return new RpcException(new Status(StatusCode.ResourceExhausted, retryAfter is { } after ? $"{message} (retry after {Math.Ceiling(after.TotalSeconds):F0} s)" : message), trailers);
    }

    /// <summary>Continue of a generation that does not await review: the grain's words, which say what it is instead.</summary>
    public static RpcException NotAwaitingReview(string message) => new(new Status(StatusCode.FailedPrecondition, message));

    /// <summary>Vary of a generation with no trajectory to vary (running, failed, cancelled): the grain's words, which say what it is instead.</summary>
    public static RpcException NoTrajectory(string message) => new(new Status(StatusCode.FailedPrecondition, message));

    public static RpcException RequestIdReused(string requestId) =>
        new(new Status(StatusCode.AlreadyExists, $"request_id '{requestId}' already named another request of this tenant; use a new request id for a new request."));

    /// <summary>A failure the caller caused is refused as a call error before anything streams; other failures are events in the stream.</summary>
    public static RpcException? Refusal(GenerationUpdate update) =>
        update is GenerationFailed { Code: FailureCode.InvalidArgument } f ? Invalid(f.Message) : null;

    public static StatusCode StatusOf(FailureCode code) => code switch
    {
        FailureCode.InvalidArgument => StatusCode.InvalidArgument,
        FailureCode.Interrupted => StatusCode.Aborted,
        FailureCode.StorageFull => StatusCode.ResourceExhausted,
        _ => StatusCode.Internal,
    };
}
