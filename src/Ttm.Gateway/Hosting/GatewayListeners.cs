using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Ttm.Gateway.Hosting;

/// <summary>
/// The gateway's listeners: gRPC over HTTP/2, HTTP/1.1 for operations (/metrics, /dashboard), and HTTP/1.1 for apps (the REST
/// API and the live page: browsers and curl speak HTTP/1.1 to a plain-text port, and Kestrel serves HTTP/2 without TLS only on
/// an HTTP/2-only port); all over TLS when <see cref="TlsOptions"/> gives a certificate, else gRPC over h2c (loopback, or
/// behind a TLS-terminating ingress).
/// </summary>
public static class GatewayListeners
{
    /// <param name="anyAddress">every interface (containers), else loopback only</param>
    public static IWebHostBuilder ListenForGateway(this IWebHostBuilder web, int port, int? opsPort, int? httpPort, bool anyAddress) =>
        web.ConfigureKestrel((context, kestrel) =>
        {
            var tls = TlsOptions.From(context.Configuration);
            var certificate = tls.Enabled ? tls.Load() : null;
            void Listen(int p, HttpProtocols protocols)
            {
                void Configure(ListenOptions listen)
                {
                    listen.Protocols = protocols;
                    if (certificate is not null) listen.UseHttps(certificate);
                }
                if (anyAddress) kestrel.ListenAnyIP(p, Configure);
                else kestrel.ListenLocalhost(p, Configure);
            }
            Listen(port, HttpProtocols.Http2);
            if (opsPort is int ops) Listen(ops, HttpProtocols.Http1);
            if (httpPort is int http) Listen(http, certificate is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2); // HTTP/2 where TLS negotiates it
        });
}
