using Orleans.Dashboard;
using Ttm.Hosting;

namespace Ttm.Gateway.Hosting;

/// <summary>
/// A gateway process: ttm.v1 over the cluster as an Orleans client (no libtorch), on the cluster of Ttm:Cluster.
/// It says one line when ready and refuses to start, saying why, when Redis or the artifact store is not there.
/// </summary>
public static partial class GatewayHost
{
    /// <summary>Its ports and interfaces come from <see cref="HostListenOptions"/> (default gRPC 5080, ops 5081, REST and page 5082, loopback).</summary>
    public static WebApplication Build(string[] args, IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        StartupChecks.RequireArtifactStore(ArtifactStoreOptions.FolderFrom(builder.Configuration));
        var listen = ValidatedOptions.Read<HostListenOptions, HostListenOptionsValidator>(builder.Configuration.GetSection(HostListenOptions.Section));
        int port = listen.Port ?? 5080, opsPort = listen.OpsPort ?? 5081, httpPort = listen.HttpPort ?? 5082;
        builder.WebHost.ListenForGateway(port, opsPort, httpPort, listen.AnyAddress);
        builder.UseOrleansClient(client => client.UseTtmCluster(builder.Configuration).AddActivityPropagation().AddDashboard());
        builder.AddTtmTelemetry("ttm-gateway");
        builder.Services.AddTtmGateway(builder.Configuration);
        var app = builder.Build();
        app.MapTtmGateway(opsPort, httpPort);
        app.Lifetime.ApplicationStarted.Register(() => LogReady(app.Logger, port, opsPort.ToString(), httpPort,
            app.Configuration.ClusterStore().Describe(), Environment.ProcessId));
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ttm gateway ready: gRPC on port {Port}, ops on port {OpsPort}, REST and page on port {HttpPort}, cluster {Cluster}, pid {Pid}")]
    static partial void LogReady(ILogger logger, int port, string opsPort, int httpPort, string cluster, int pid);
}
