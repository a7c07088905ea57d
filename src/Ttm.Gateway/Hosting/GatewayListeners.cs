using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Ttm.Gateway.Hosting;

/// <summary>The gateway's two listeners: gRPC over h2c, and HTTP/1.1 for operations (/metrics, /dashboard).</summary>
public static class GatewayListeners
{
    /// <param name="anyAddress">every interface (containers), else loopback only</param>
    public static IWebHostBuilder ListenForGateway(this IWebHostBuilder web, int port, int? opsPort, bool anyAddress) =>
        web.ConfigureKestrel(kestrel =>
        {
            void Listen(int p, HttpProtocols protocols)
            {
                if (anyAddress) kestrel.ListenAnyIP(p, listen => listen.Protocols = protocols);
                else kestrel.ListenLocalhost(p, listen => listen.Protocols = protocols);
            }
            Listen(port, HttpProtocols.Http2);
            if (opsPort is int ops) Listen(ops, HttpProtocols.Http1);
        });
}
