using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Ttm.Hosting;

/// <summary>
/// A host's one connection to the cluster's Redis (<see cref="ClusterStoreOptions.Redis"/>), shared by whatever the host
/// keeps there itself: a gateway's tenant keys, a silo's event logs and generation index. Orleans' own Redis providers
/// (membership, grain state, reminders) make their own from <see cref="ClusterStoreOptions.RedisConnection"/>.
/// </summary>
public static class ClusterRedis
{
    /// <summary>
    /// Registers the host's <see cref="IConnectionMultiplexer"/> once (a second call keeps the first): made when first asked
    /// for, as <see cref="ClusterStoreOptions.RedisConnection"/> says (it never fails to be made; it reconnects in the
    /// background), and closed with the host.
    /// </summary>
    /// <exception cref="SettingException"><paramref name="cluster"/> names no Redis</exception>
    public static IServiceCollection AddClusterRedis(this IServiceCollection services, ClusterStoreOptions cluster)
    {
        var connection = cluster.RedisConnection();
        services.TryAddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(connection));
        return services;
    }
}
