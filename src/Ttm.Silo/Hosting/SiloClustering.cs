using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Storage;
using Ttm.Grains.Storage;
using Ttm.Hosting;

namespace Ttm.Silo.Hosting;

/// <summary>
/// How a silo finds the others and where it keeps state (<see cref="ClusterStoreOptions"/>): on Redis,
/// Orleans' own providers for membership, grain state and reminders; without it, the embedded default
/// (localhost clustering; state in a SQLite database in Ttm:Cluster:StateFolder, or in memory without one). In a Kubernetes pod (POD_NAME and POD_NAMESPACE set) Orleans' Kubernetes
/// hosting also takes the pod's identity and watches the pods of its cluster. What it configures as a gateway does (the message
/// cap, the cluster's ids, the Redis check) is <see cref="OrleansCluster"/>'s.
/// </summary>
public static class SiloClustering
{
    public const string GrainStorage = "generations";

    public static ISiloBuilder UseTtmCluster(this ISiloBuilder silo, IConfiguration configuration)
    {
        var cluster = configuration.ClusterStore();
        silo.Services.AddClusterSettings<SiloMessagingOptions>(cluster);
        if (cluster.KeepsEmbeddedState)
        {
            // The state (and the event logs: EventLogServices) in one SQLite database that outlives the process.
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort).AddReminders();
            silo.Services.AddSingleton(_ => new EmbeddedState(cluster.StateFolder!));
            silo.Services.AddGrainStorage(GrainStorage, (sp, _) => new SqliteGrainStorage(sp.GetRequiredService<EmbeddedState>(), sp.GetRequiredService<Serializer>()));
            silo.Services.AddSingleton<IReminderTable, SqliteReminderTable>();
            return silo;
        }
        if (!cluster.UsesRedis)
            return silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort).AddMemoryGrainStorage(GrainStorage).UseInMemoryReminderService();

        var redis = cluster.RedisConnection();
        silo.Configure<ClusterMembershipOptions>(o => (o.ProbeTimeout, o.NumMissedProbesLimit) = (TimeSpan.FromSeconds(cluster.ProbeSeconds), cluster.MissedProbes));
        silo.UseRedisClustering(o => o.ConfigurationOptions = redis.Clone());
        silo.AddRedisGrainStorage(GrainStorage, o => o.ConfigurationOptions = redis.Clone());
        // Registered last, so it is the one resolved: the Redis storage inside it, riding out a failover.
        silo.Services.AddKeyedSingleton<IGrainStorage>(GrainStorage, (sp, _) => new FailoverGrainStorage(RedisGrainStorageFactory.Create(sp, GrainStorage)));
        silo.UseRedisReminderService(o => o.ConfigurationOptions = redis.Clone());
        var address = cluster.AdvertisedAddress is { Length: > 0 } a ? IPAddress.Parse(a) : IPAddress.Loopback;
        silo.ConfigureEndpoints(address, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
        if (configuration["POD_NAME"] is { Length: > 0 } && configuration["POD_NAMESPACE"] is { Length: > 0 })
            silo.UseKubernetesHosting();
        return silo;
    }
}
