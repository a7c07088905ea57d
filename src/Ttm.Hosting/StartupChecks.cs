using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Ttm.Hosting;

/// <summary>What a host checks before it joins anything, so that it exits with a message a person can act on instead of retrying forever.</summary>
public static class StartupChecks
{
    /// <summary>
    /// Runs a host until SIGTERM or Ctrl-C (it stops gracefully: a silo drains); a host that cannot start, because a
    /// check here (<see cref="SettingException"/>) or an option's validation failed, says why on stderr and the process
    /// exits 2. Any other exception is a defect, not a setting: it is thrown with its stack trace.
    /// </summary>
    public static async Task<int> RunHostAsync(Func<IHost> build, CancellationToken cancellationToken = default)
    {
        try
        {
            using var host = build();
            await host.StartAsync(cancellationToken);
            await host.WaitForShutdownAsync(cancellationToken);
            return 0;
        }
        catch (Exception e) when (e is SettingException or OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
    }

    /// <summary>Redis answers a PING within a few seconds.</summary>
    /// <exception cref="SettingException">it does not; the message names the setting</exception>
    public static void RequireRedis(string connectionString)
    {
        try
        {
            var options = ConfigurationOptions.Parse(connectionString);
            options.AbortOnConnectFail = true;
            options.ConnectTimeout = 5_000;
            options.ConnectRetry = 1;
            using var redis = ConnectionMultiplexer.Connect(options);
            redis.GetDatabase().Ping();
        }
        catch (Exception e) when (e is RedisException or ArgumentException or TimeoutException)
        {
            throw new SettingException(
                $"Cannot reach Redis at '{ClusterStoreOptions.Redacted(connectionString)}' (Ttm:Cluster:Redis, env Ttm__Cluster__Redis): {e.Message.Split('\n')[0]} Start it, or fix the address.", e);
        }
    }

    /// <summary>The artifact store's folder exists or can be made, and takes a file.</summary>
    /// <exception cref="SettingException">it does not; the message names the setting</exception>
    public static void RequireArtifactStore(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SettingException($"The artifact store '{folder}' (Ttm:Artifacts, env Ttm__Artifacts) cannot be written: {e.Message} " +
                "Every silo and gateway needs the same writable folder (a shared volume in a cluster).", e);
        }
    }
}
