using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ttm.Gateway;
using Ttm.Silo;

namespace Ttm.Cli;

/// <summary>The embedded mode: one process hosting a silo (localhost clustering, in-memory storage) and the gRPC gateway.</summary>
public static class EmbeddedServer
{
    /// <param name="port">gRPC (HTTP/2 without TLS)</param>
    /// <param name="opsPort">HTTP/1.1 for Prometheus (/metrics) and the dashboard (/dashboard); none when null</param>
    public static WebApplication Build(int port, IDictionary<string, string?>? settings = null, bool anyAddress = false, int? opsPort = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(ModelLocations.Settings());
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        // Per-request framework logs would drown the CLI's own output (and a benchmark's JSON).
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Orleans", LogLevel.Warning).AddFilter("Polly", LogLevel.Warning);
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace); // stdout stays the command's own
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            void Listen(int p, HttpProtocols protocols)
            {
                if (anyAddress) kestrel.ListenAnyIP(p, listen => listen.Protocols = protocols);
                else kestrel.ListenLocalhost(p, listen => listen.Protocols = protocols);
            }
            Listen(port, HttpProtocols.Http2);
            if (opsPort is int ops) Listen(ops, HttpProtocols.Http1);
        });
        builder.UseOrleans(silo => silo.UseLocalhostClustering().AddMemoryGrainStorage("generations").AddTtmSilo(builder.Configuration));
        builder.Services.AddTtmGateway();
        var app = builder.Build();
        app.MapTtmGateway();
        return app;
    }
}
