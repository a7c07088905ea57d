using Grpc.Core;
using Ttm.Grains;

namespace Ttm.Gateway;

/// <summary>
/// Every refusal the generation service and the REST API answer with is made here, with a message a person can act on
/// (<see cref="GenerationRefusal"/>: answered once for gRPC, once for REST).
/// </summary>
public static class GenerationErrors
{
    /// <param name="field">the request field at fault, where one is ("preview_size", "hints[1]")</param>
    public static GenerationRefusal Invalid(string message, string? field = null) => new(RefusalCode.InvalidArgument, message, field);

    public static GenerationRefusal NotFound(string id) =>
        new(RefusalCode.NotFound, $"No generation '{id}'. Ids come from the accepted event of Generate, or from List.");

    public static GenerationRefusal Deleted(string id) => new(RefusalCode.NotFound, $"Generation '{id}' was deleted while this call followed it.");

    /// <summary>Over a limit: which one, in words, and when a retry can succeed (none where waiting alone will not help).</summary>
    public static GenerationRefusal Exhausted(string limit, string message, TimeSpan? retryAfter) =>
        new(RefusalCode.ResourceExhausted, message, limit: limit, retryAfter: retryAfter);

    /// <summary>
    /// A generation not in the state the call needs: Continue of one that does not await review, Vary of one with no trajectory
    /// (running, failed, cancelled), the content of one not completed. The message says what state it is in.
    /// </summary>
    public static GenerationRefusal NotReady(string message) => new(RefusalCode.FailedPrecondition, message);

    public static GenerationRefusal RequestIdReused(string requestId) =>
        new(RefusalCode.AlreadyExists, $"request_id '{requestId}' already named another request of this tenant; use a new request id for a new request.", "request_id");

    public static GenerationRefusal NoTenant(string message) => new(RefusalCode.Unauthenticated, message);

    /// <summary>A failure the caller caused is refused as a call error before anything streams; other failures are events in the stream.</summary>
    public static GenerationRefusal? Refusal(GenerationUpdate update) =>
        update is GenerationFailed { Code: FailureCode.InvalidArgument } f ? Invalid(f.Message) : null;

    public static StatusCode StatusOf(FailureCode code) => code switch
    {
        FailureCode.InvalidArgument => StatusCode.InvalidArgument,
        FailureCode.Interrupted => StatusCode.Aborted,
        FailureCode.StorageFull => StatusCode.ResourceExhausted,
        _ => StatusCode.Internal,
    };
}
