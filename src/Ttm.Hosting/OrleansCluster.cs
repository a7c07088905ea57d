using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace Ttm.Hosting;

/// <summary>
/// What a silo and a gateway (an Orleans client) configure alike from Ttm:Cluster (<see cref="ClusterStoreOptions"/>).
/// Which providers they then use (localhost or Redis membership; a silo's storage and reminders) stays with each host
/// (<c>SiloClustering</c>, <c>ClientClustering</c>): Orleans' Redis providers bring its server runtime, which a host project
/// references and this one does not.
/// </summary>
public static class OrleansCluster
{
    /// <summary>
    /// Caps grain messages at <see cref="ClusterStoreOptions.MaxMessageBytes"/> (<typeparamref name="TMessaging"/>: the silo's
    /// or the client's messaging options); on Redis also checks that it answers and names the cluster (service and cluster id),
    /// so that every silo and gateway of one Ttm:Cluster finds the same members.
    /// </summary>
    /// <exception cref="SettingException">Redis does not answer; the message names the setting</exception>
    public static IServiceCollection AddClusterSettings<TMessaging>(this IServiceCollection services, ClusterStoreOptions cluster)
        where TMessaging : MessagingOptions
    {
        services.Configure<TMessaging>(o => o.MaxMessageBodySize = cluster.MaxMessageBytes);
        if (!cluster.UsesRedis) return services;
        StartupChecks.RequireRedis(cluster.Redis!);
        return services.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (cluster.ServiceId, cluster.ClusterId));
    }
}
