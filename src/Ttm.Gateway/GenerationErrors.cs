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

    public static RpcException RequestIdReused(string requestId) =>
        new(new Status(StatusCode.AlreadyExists, $"request_id '{requestId}' already named another request of this tenant; use a new request id for a new request."));

    /// <summary>A failure the caller caused is refused as a call error before anything streams; other failures are events in the stream.</summary>
    public static RpcException? Refusal(GenerationUpdate update) =>
        update is GenerationFailed { Code: FailureCode.InvalidArgument } f ? Invalid(f.Message) : null;

    public static StatusCode StatusOf(FailureCode code) => code switch
    {
        FailureCode.InvalidArgument => StatusCode.InvalidArgument,
        FailureCode.Interrupted => StatusCode.Aborted,
        _ => StatusCode.Internal,
    };
}
