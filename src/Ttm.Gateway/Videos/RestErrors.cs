using System.Text.Json.Serialization;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Authentication;

namespace Ttm.Gateway.Videos;

/// <summary>The body of every REST error: <c>{"error": {"code": "not_found", "message": "…"}}</c>; the code is the gRPC status's, in snake case.</summary>
public sealed record RestError([property: JsonPropertyName("error")] RestErrorDetail Error);

public sealed record RestErrorDetail(string Code, string Message);

/// <summary>
/// REST speaks the gRPC service's errors: the same <see cref="GenerationRefusal"/> from <see cref="TenantGenerations"/>, answered
/// with the HTTP status of the usual gRPC-to-HTTP mapping (as grpc-gateway and Google's APIs map them), the same message,
/// <c>Retry-After</c> where a retry can succeed and <c>ttm-limit</c> naming the limit met.
/// </summary>
public static class RestErrors
{
    public static int HttpStatusOf(StatusCode code) => code switch
    {
        StatusCode.OK => StatusCodes.Status200OK,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists or StatusCode.Aborted => StatusCodes.Status409Conflict,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Cancelled => 499, // client closed request
        StatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>"invalid_argument", "not_found", …: the gRPC code's name, as clients of either API read it.</summary>
    public static string CodeOf(StatusCode code) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(code.ToString());

    public static string CodeOf(RefusalCode code) => CodeOf(RefusalInterceptor.StatusOf(code));

    public static IResult ToResult(GenerationRefusal refusal, HttpContext context)
    {
        if (refusal.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (refusal.Limit is { } limit) context.Response.Headers["ttm-limit"] = limit;
        return Result(RefusalInterceptor.StatusOf(refusal.Code), RefusalInterceptor.Text(refusal));
    }

    public static IResult Result(StatusCode code, string message) =>
        Results.Json(new RestError(new RestErrorDetail(CodeOf(code), message)), statusCode: HttpStatusOf(code));

    /// <summary>
    /// Wraps the REST endpoints: a <see cref="GenerationRefusal"/> becomes its JSON error, and a request the framework could not bind
    /// (a field that is no number, a body over the size limit) an invalid_argument one that says which, instead of an empty 400.
    /// </summary>
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        try
        {
            return await next(invocation);
        }
        catch (GenerationRefusal refusal)
        {
            return ToResult(refusal, invocation.HttpContext);
        }
        catch (BadHttpRequestException e)
        {
            return Results.Json(new RestError(new RestErrorDetail(CodeOf(StatusCode.InvalidArgument), e.Message)), statusCode: e.StatusCode);
        }
    }

    /// <summary>Binding failures happen before endpoint filters run: this middleware answers them for /v1 in the same shape.</summary>
    public static async Task BadRequestsAsJson(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await Results.Json(new RestError(new RestErrorDetail(CodeOf(StatusCode.InvalidArgument), e.Message)), statusCode: e.StatusCode).ExecuteAsync(context);
        }
    }
}

/// <summary>
/// 401 and 403 on the REST API as JSON errors that say what to send (and why a key was refused); gRPC calls keep the framework's
/// answer, which gRPC clients read as UNAUTHENTICATED / PERMISSION_DENIED.
/// </summary>
public sealed class RestAuthorizationResults : IAuthorizationMiddlewareResultHandler
{
    readonly AuthorizationMiddlewareResultHandler framework = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Succeeded || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true
            || !context.Request.Path.StartsWithSegments(VideosApi.Prefix))
        {
            await framework.HandleAsync(next, context, policy, result);
            return;
        }
        if (result.Challenged)
        {
            // The handler keeps its result for the request: this reads why the key was refused (unknown, revoked), not a second look-up.
            var why = (await context.AuthenticateAsync(Tenants.TenantAuthentication.SchemeName)).Failure?.Message;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await RestErrors.Result(StatusCode.Unauthenticated, (why is null ? "" : why + " ")
                + "Send 'Authorization: Bearer ttm_…': a tenant's API key (./ttm tenants create NAME; ./ttm serve keeps tenant default's in its local key file).")
                .ExecuteAsync(context);
            return;
        }
        await RestErrors.Result(StatusCode.PermissionDenied, "This credential is not a tenant's (an operator's credential opens the ops listener only).").ExecuteAsync(context);
    }
}
