using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ttm.Gateway;
using Ttm.Gateway.Hosting;
using Ttm.Hosting;
using Ttm.Silo;
using Ttm.Silo.Hosting;

namespace Ttm.Cli;

/// <summary>The embedded mode: one process hosting a silo and the gRPC gateway (localhost clustering and memory storage unless Ttm:Cluster:Redis is set).</summary>
public static class EmbeddedServer
{
    /// <param name="port">gRPC (HTTP/2 without TLS)</param>
    /// <param name="opsPort">HTTP/1.1 for Prometheus (/metrics) and the dashboard (/dashboard); none when null</param>
    /// <param name="httpPort">HTTP/1.1 for apps: the REST videos API, /openapi.json and the live page at /; none when null</param>
    public static WebApplication Build(int port, IDictionary<string, string?>? settings = null, bool anyAddress = false, int? opsPort = null, int? httpPort = null)
    {
        var builder = WebApplication.CreateBuilder();
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        // Per-request framework logs would drown the CLI's own output (and a benchmark's JSON).
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Orleans", LogLevel.Warning).AddFilter("Polly", LogLevel.Warning);
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace); // stdout stays the command's own
        builder.WebHost.ListenForGateway(port, opsPort, httpPort, anyAddress);
        builder.UseOrleans(silo => silo.UseTtmCluster(builder.Configuration).AddTtmSilo(builder.Configuration));
        builder.Services.AddTtmGateway(builder.Configuration);
        builder.AddTtmTelemetry("ttm-serve");
        var app = builder.Build();
        app.MapTtmGateway(opsPort, httpPort);
        return app;
    }
}
