using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ttm.Gateway;
using Ttm.Gateway.Hosting;
using Ttm.Hosting;
using Ttm.Silo;
using Ttm.Silo.Hosting;

namespace Ttm.Testing;

/// <summary>
/// A silo and the gRPC gateway in the test process, wired as <c>./ttm serve</c> wires them (Ttm.Cli's EmbeddedServer), so the
/// gateway's tests need no reference to the CLI. Keep the two alike; the system tests run the CLI's own.
/// </summary>
public static class InProcessServer
{
    public static WebApplication Build(int port, IDictionary<string, string?> settings, int opsPort, int httpPort)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Orleans", LogLevel.Warning).AddFilter("Polly", LogLevel.Warning);
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.WebHost.ListenForGateway(port, opsPort, httpPort, anyAddress: false);
        builder.UseOrleans(silo => silo.UseTtmCluster(builder.Configuration).AddTtmSilo(builder.Configuration));
        builder.Services.AddTtmGateway(builder.Configuration);
        builder.AddTtmTelemetry("ttm-serve");
        var app = builder.Build();
        app.MapTtmGateway(opsPort, httpPort);
        return app;
    }
}
