using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using StackExchange.Redis;
using Ttm.Grains;
using Ttm.Grains.Storage;
using Ttm.Hosting;

namespace Ttm.Silo.Cluster;

public static class EventLogServices
{
    /// <summary>
    /// The generations' event logs and the tenants' lists: Redis streams and sorted sets when Ttm:Cluster:Redis is set,
    /// else the embedded state's database (Ttm:Cluster:StateFolder) or this process's memory.
    /// </summary>
    public static IServiceCollection AddGenerationEventLog(this IServiceCollection services, IConfiguration configuration)
    {
        var cluster = configuration.ClusterStore();
        if (cluster.KeepsEmbeddedState)
            return services.AddSingleton<IGenerationEventLog>(sp => new SqliteGenerationEventLog(sp.GetRequiredService<EmbeddedState>(), sp.GetRequiredService<Serializer<GenerationEvent>>()))
                .AddSingleton<IGenerationIndex>(sp => new SqliteGenerationIndex(sp.GetRequiredService<EmbeddedState>()));
        if (!cluster.UsesRedis)
            return services.AddSingleton<IGenerationEventLog, MemoryGenerationEventLog>().AddSingleton<IGenerationIndex, MemoryGenerationIndex>();
        services.AddClusterRedis(cluster).AddSingleton<IGenerationIndex>(sp => new RedisGenerationIndex(sp.GetRequiredService<IConnectionMultiplexer>(), cluster.ServiceId));
        return services.AddSingleton<IGenerationEventLog>(sp => new RedisGenerationEventLog(sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<Serializer<GenerationEvent>>(), cluster.ServiceId, cluster.WaitReplicas, cluster.WaitMilliseconds));
    }
}
