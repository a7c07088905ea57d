namespace Ttm.Gateway;

/// <summary>Why a call is refused, in gRPC's words (each maps to the gRPC status of that name and to its usual HTTP status).</summary>
public enum RefusalCode
{
    InvalidArgument,
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    ResourceExhausted,
    Unauthenticated,
    PermissionDenied,
}

/// <summary>
/// A call refused, whichever API it came by: what went wrong (a message a person can act on), and, where it applies, the
/// request field at fault, the limit met and when a retry can succeed. The service code throws it; it is answered once for
/// gRPC (<see cref="RefusalInterceptor"/>: the status, google.rpc rich details and the trailers) and once for REST
/// (<see cref="Videos.RestErrors"/>: the HTTP status, the JSON error and Retry-After).
/// </summary>
public sealed class GenerationRefusal(RefusalCode code, string message, string? field = null, string? limit = null, TimeSpan? retryAfter = null)
    : Exception(message)
{
    public RefusalCode Code { get; } = code;
    /// <summary>The request field at fault ("preview_size", "hints[1]"), for an invalid argument where one field is.</summary>
    public string? Field { get; } = field;
    /// <summary>The limit met ("requests per minute", "stored bytes"), for a resource exhausted.</summary>
    public string? Limit { get; } = limit;
    /// <summary>When a retry can succeed; none where waiting alone will not help.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
    /// <summary>Whole seconds to wait, at least 1, as the retry-after trailer and header say it.</summary>
    public int? RetryAfterSeconds => RetryAfter is { } r ? Math.Max(1, (int)Math.Ceiling(r.TotalSeconds)) : null;
}
