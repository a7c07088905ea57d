using Orleans.Configuration;
using StackExchange.Redis;
using Ttm.Hosting;

namespace Ttm.Gateway.Hosting;

/// <summary>How a gateway (an Orleans client) finds the silos: their gateways listed in Redis, or the embedded default's localhost silo.</summary>
public static class ClientClustering
{
    public static IClientBuilder UseTtmCluster(this IClientBuilder client, IConfiguration configuration)
    {
        var cluster = configuration.ClusterStore();
        client.Configure<ClientMessagingOptions>(o => o.MaxMessageBodySize = cluster.MaxMessageBytes);
        if (!cluster.UsesRedis) return client.UseLocalhostClustering(cluster.GatewayPort);
        StartupChecks.RequireRedis(cluster.Redis!);
        client.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (cluster.ServiceId, cluster.ClusterId));
        // A gateway learns of silos that joined (a replacement after a kill) within seconds, not Orleans' default minute.
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        return client.UseRedisClustering(o => o.ConfigurationOptions = cluster.RedisConnection());
    }
}
