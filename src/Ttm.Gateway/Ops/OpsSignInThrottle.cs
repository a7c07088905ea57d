using System.Net;
using System.Threading.RateLimiting;

namespace Ttm.Gateway.Ops;

/// <summary>
/// Wrong operator passwords per client address: after <see cref="FailuresPerMinute"/> in a minute the address is refused
/// without its password being checked until the minute is over, so guessing the password is as slow as that allows.
/// </summary>
public sealed class OpsSignInThrottle : IDisposable
{
    public const int FailuresPerMinute = 10;

    readonly PartitionedRateLimiter<IPAddress> failures = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
            { PermitLimit = FailuresPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));

    /// <summary>Whether the address has wrong attempts left this minute.</summary>
    public bool MayTry(IPAddress address) => (failures.GetStatistics(address)?.CurrentAvailablePermits ?? FailuresPerMinute) > 0;

    /// <summary>Counts one wrong attempt of the address.</summary>
    public void Failed(IPAddress address)
    {
        using var _ = failures.AttemptAcquire(address);
    }

    public void Dispose() => failures.Dispose();
}
