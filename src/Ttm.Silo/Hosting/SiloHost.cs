using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ttm.Hosting;
using Ttm.Silo.Options;

namespace Ttm.Silo.Hosting;

/// <summary>
/// A silo process: Ttm:Role accelerator (segmentation and both denoising stages) or plain (planning and encoding),
/// on the cluster of Ttm:Cluster, with /metrics for Prometheus and its probes (<see cref="SiloHealth"/>) on its HTTP port. It says one line when ready,
/// refuses to start, saying why, when Redis or the artifact store is not there, and on SIGTERM leaves the cluster
/// gracefully: its device-stage grains deactivate and their stages continue on another accelerator from their checkpoints.
/// </summary>
public static partial class SiloHost
{
    /// <summary>Its HTTP port (/metrics, /healthz) and interfaces come from <see cref="HostListenOptions"/> (default: any free loopback port).</summary>
    public static WebApplication Build(string[] args, IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        StartupChecks.RequireArtifactStore(ArtifactStoreOptions.FolderFrom(builder.Configuration));
        var listen = ValidatedOptions.Read<HostListenOptions, HostListenOptionsValidator>(builder.Configuration.GetSection(HostListenOptions.Section));
        builder.WebHost.UseUrls($"http://{(listen.AnyAddress ? "0.0.0.0" : "127.0.0.1")}:{listen.Port ?? 0}");
        builder.UseOrleans(silo => silo.UseTtmCluster(builder.Configuration).AddTtmSilo(builder.Configuration));
        builder.AddTtmTelemetry("ttm-silo");
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapSiloHealth();
        var role = SiloOptions.Read(app.Configuration);
        var cluster = app.Configuration.ClusterStore();
        app.Lifetime.ApplicationStarted.Register(() => LogReady(app.Logger, role.Role, Ttm.Models.DeviceName.LabelOf(role.Device), cluster.SiloPort, cluster.GatewayPort,
            cluster.Describe(), string.Join(' ', app.Urls), Environment.ProcessId));
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ttm silo ready: {Role} on {Device}, silo port {SiloPort}, gateway port {GatewayPort}, cluster {Cluster}, http {Http}, pid {Pid}")]
    static partial void LogReady(ILogger logger, string role, string device, int siloPort, int gatewayPort, string cluster, string http, int pid);
}
