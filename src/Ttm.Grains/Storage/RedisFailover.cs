using StackExchange.Redis;

namespace Ttm.Grains.Storage;

/// <summary>
/// A Redis write that fails while Sentinel replaces the primary (ClusterStoreOptions.Redis naming Sentinels and the
/// primary's serviceName) is tried again on the primary Sentinel elects, for a bounded time, instead of failing the
/// generation: StackExchange.Redis follows the switch by itself; the write has to wait for it.
/// </summary>
public static class RedisFailover
{
    /// <summary>How long a write waits out a failover before it gives up: Sentinel's down-after time, its election and the reconnect.</summary>
    public static readonly TimeSpan Allowance = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether a Redis call failed because the primary is gone or being replaced (the connection broke, no answer in
    /// time, the server is now a read-only replica, still loading, or has no replica to acknowledge): worth another try
    /// on the primary Sentinel elects. Looks through wrappers (Orleans' storage exceptions) to the Redis error.
    /// </summary>
    public static bool IsFailover(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is RedisConnectionException or RedisTimeoutException or ReplicaNotAcknowledgedException) return true;
            if (e is RedisServerException server && (server.Message.StartsWith("READONLY", StringComparison.Ordinal)
                    || server.Message.StartsWith("LOADING", StringComparison.Ordinal) || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
                    || server.Message.StartsWith("NOREPLICAS", StringComparison.Ordinal)))
                return true;
        }
        return false;
    }

    /// <summary>Runs <paramref name="write"/> until it succeeds, retrying while <see cref="IsFailover"/> for at most <see cref="Allowance"/>.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken = default)
    {
        var giveUpAt = DateTime.UtcNow + Allowance;
        var pause = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                return await write();
            }
            catch (Exception e) when (IsFailover(e) && DateTime.UtcNow < giveUpAt)
            {
                await Task.Delay(pause, cancellationToken);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 2_000));
            }
        }
    }

    public static Task RetryAsync(Func<Task> write, CancellationToken cancellationToken = default) =>
        RetryAsync(async () => { await write(); return true; }, cancellationToken);
}

/// <summary>A write reached the primary but fewer replicas than asked took it within the wait: it is not yet durable.</summary>
public sealed class ReplicaNotAcknowledgedException(string message) : Exception(message);
