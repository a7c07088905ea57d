using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Ttm.Gateway.Tenants;
using Ttm.Protos;
using Ttm.Protos.V1;

namespace Ttm.Benchmarks;

/// <summary>The serving benchmarks' server: on a free loopback port, reached only there, its store and keys in one folder of the benchmark's.</summary>
public static class Loopback
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The embedded server's settings for a run in <paramref name="folder"/>: the artifact store and the tenants' key files there.</summary>
    public static Dictionary<string, string?> Settings(string folder) => new()
    {
        ["Ttm:Artifacts"] = folder,
        [$"{AuthOptions.Section}:KeyFile"] = Path.Combine(folder, "tenant-keys.json"),
        [$"{AuthOptions.Section}:LocalKeyFile"] = Path.Combine(folder, "api-key"),
    };

    /// <summary>A client of the started server <paramref name="app"/> as <paramref name="tenant"/>, with a key made for it there.</summary>
    public static async Task<GenerationService.GenerationServiceClient> ClientAsync(WebApplication app, int port, string tenant)
    {
        var (_, key) = await app.Services.GetRequiredService<TenantKeys>().CreateAsync(tenant);
        return new(TtmChannel.Create($"http://127.0.0.1:{port}", key));
    }
}
