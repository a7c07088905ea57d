using Orleans.Configuration;
using StackExchange.Redis;
using Ttm.Hosting;

namespace Ttm.Gateway.Hosting;

/// <summary>
/// How a gateway (an Orleans client) finds the silos: their gateways listed in Redis, or the embedded default's localhost silo.
/// What it configures as the silos do (the message cap, the cluster's ids, the Redis check) is <see cref="OrleansCluster"/>'s.
/// </summary>
public static class ClientClustering
{
    public static IClientBuilder UseTtmCluster(this IClientBuilder client, IConfiguration configuration)
    {
        var cluster = configuration.ClusterStore();
        client.Services.AddClusterSettings<ClientMessagingOptions>(cluster);
        if (!cluster.UsesRedis) return client.UseLocalhostClustering(cluster.GatewayPort);
        // A gateway learns of silos that joined (a replacement after a kill) within seconds, not Orleans' default minute.
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        return client.UseRedisClustering(o => o.ConfigurationOptions = cluster.RedisConnection());
    }
}
