using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Ttm.Gateway;

/// <summary>
/// Answers a <see cref="GenerationRefusal"/> on gRPC, for every service method: the status of its code and its message, the
/// google.rpc rich details a client library reads (<c>BadRequest</c> naming the field, <c>QuotaFailure</c> naming the limit,
/// <c>RetryInfo</c> with the delay) in <c>grpc-status-details-bin</c>, and beside them the plain trailers a client without
/// those protos reads (<c>ttm-limit</c>, <c>retry-after</c> in seconds).
/// </summary>
public sealed class RefusalInterceptor : Interceptor
{
    public static RpcException ToRpcException(GenerationRefusal refusal)
    {
        var status = new Google.Rpc.Status { Code = (int)StatusOf(refusal.Code), Message = Text(refusal) };
        if (refusal.Code == RefusalCode.InvalidArgument)
            status.Details.Add(Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = refusal.Field ?? "", Description = refusal.Message } } }));
        if (refusal.Limit is { } limit)
            status.Details.Add(Any.Pack(new QuotaFailure { Violations = { new QuotaFailure.Types.Violation { Subject = limit, Description = refusal.Message } } }));
        if (refusal.RetryAfterSeconds is { } seconds)
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds)) }));
        var exception = status.ToRpcException();
        if (refusal.Limit is { } named) exception.Trailers.Add("ttm-limit", named);
        if (refusal.RetryAfterSeconds is { } after) exception.Trailers.Add("retry-after", after.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return exception;
    }

    /// <summary>
    /// The refusal as a gRPC server answers a call it refuses before its handler runs (the rate limiter): trailers only, in
    /// the response headers of an HTTP 200, binary ones in base64 as gRPC's wire format writes them.
    /// </summary>
    public static void WriteTrailersOnly(Microsoft.AspNetCore.Http.HttpResponse response, GenerationRefusal refusal)
    {
        var exception = ToRpcException(refusal);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)exception.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(exception.Status.Detail);
        foreach (var entry in exception.Trailers)
            response.Headers[entry.Key] = entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value;
    }

    public static StatusCode StatusOf(RefusalCode code) => code switch
    {
        RefusalCode.InvalidArgument => StatusCode.InvalidArgument,
        RefusalCode.NotFound => StatusCode.NotFound,
        RefusalCode.AlreadyExists => StatusCode.AlreadyExists,
        RefusalCode.FailedPrecondition => StatusCode.FailedPrecondition,
        RefusalCode.ResourceExhausted => StatusCode.ResourceExhausted,
        RefusalCode.Unauthenticated => StatusCode.Unauthenticated,
        RefusalCode.PermissionDenied => StatusCode.PermissionDenied,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    /// <summary>The message, with the wait in words where there is one (a person reads the status detail, a program the details).</summary>
    public static string Text(GenerationRefusal refusal) =>
        refusal.RetryAfterSeconds is { } seconds ? $"{refusal.Message} (retry after {seconds} s)" : refusal.Message;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (GenerationRefusal refusal)
        {
            throw ToRpcException(refusal);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (GenerationRefusal refusal)
        {
            throw ToRpcException(refusal);
        }
    }
}
