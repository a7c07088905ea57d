using Orleans.Dashboard;
using Ttm.Grains;

namespace Ttm.Gateway.Hosting;

/// <summary>
/// A gateway process: ttm.v1 over the cluster as an Orleans client (no libtorch), on the cluster of Ttm:Cluster.
/// It says one line when ready and refuses to start, saying why, when Redis or the artifact store is not there.
/// </summary>
public static partial class GatewayHost
{
    public static WebApplication Build(string[] args, IDictionary<string, string?>? settings = null, int port = 5080, int? opsPort = 5081, bool anyAddress = false)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        StartupChecks.RequireArtifactStore(ArtifactStoreOptions.FolderFrom(builder.Configuration));
        builder.WebHost.ListenForGateway(port, opsPort, anyAddress);
        builder.UseOrleansClient(client => client.UseTtmCluster(builder.Configuration).AddDashboard());
        builder.Services.AddTtmGateway(builder.Configuration);
        var app = builder.Build();
        app.MapTtmGateway(opsPort);
        app.Lifetime.ApplicationStarted.Register(() => LogReady(app.Logger, port, opsPort?.ToString() ?? "none",
            app.Configuration[$"{ClusterStoreOptions.Section}:Redis"] ?? "embedded", Environment.ProcessId));
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ttm gateway ready: gRPC on port {Port}, ops on port {OpsPort}, cluster {Cluster}, pid {Pid}")]
    static partial void LogReady(ILogger logger, int port, string opsPort, string cluster, int pid);
}
