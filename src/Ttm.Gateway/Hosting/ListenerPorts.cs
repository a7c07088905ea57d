namespace Ttm.Gateway.Hosting;

/// <summary>
/// Endpoints that answer on one of the gateway's listeners only, by the port the connection came in on, not the Host header
/// (<c>RequireHost</c>'s test): behind a Kubernetes Service, an ingress or a relay the Host header names their address, while
/// the local port is still the listener's. Elsewhere the endpoint is NotFound, as if it did not exist.
/// </summary>
public static class ListenerPorts
{
    sealed record OnPort(int Port);

    public static TBuilder OnListener<TBuilder>(this TBuilder endpoint, int port) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(new OnPort(port));

    /// <summary>After routing: an endpoint of another listener is answered 404 before authentication sees the request.</summary>
    public static IApplicationBuilder UseListenerPorts(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<OnPort>() is { } only && context.Connection.LocalPort != only.Port)
        {
            context.SetEndpoint(null);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await next(context);
    });
}
