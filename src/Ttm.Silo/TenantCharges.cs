using Microsoft.Extensions.Logging;
using Ttm.Grains;

namespace Ttm.Silo;

/// <summary>
/// Charges what a run used to its tenant without ever failing the run: the tenant's grain may sit on a silo that was just
/// lost (calls fail until membership declares it dead and the grain is activated elsewhere), so a charge that fails is
/// retried in the background for longer than that takes; one that still cannot be delivered is logged with its amount.
/// </summary>
static partial class TenantCharges
{
    const int Attempts = 20;
    static readonly TimeSpan Backoff = TimeSpan.FromSeconds(3);

    /// <summary>Charges at once (so the tenant's usage has it before the run's end is reported); if that fails, again in the background.</summary>
    public static async Task ChargeAsync(IGrainFactory grains, string tenant, string generationId, double deviceSeconds, ILogger logger)
    {
        if (!(deviceSeconds > 0)) return;
        try
        {
            await grains.GetGrain<ITenantGrain>(tenant).ChargeAsync(generationId, deviceSeconds);
        }
        catch (Exception)
        {
            _ = Task.Run(() => RetryAsync(grains, tenant, generationId, deviceSeconds, logger));
        }
    }

    static async Task RetryAsync(IGrainFactory grains, string tenant, string generationId, double deviceSeconds, ILogger logger)
    {
        for (int attempt = 2; ; attempt++)
        {
            await Task.Delay(Backoff);
            try
            {
                await grains.GetGrain<ITenantGrain>(tenant).ChargeAsync(generationId, deviceSeconds);
                return;
            }
            catch (Exception e) when (attempt >= Attempts)
            {
                LogLost(logger, e, deviceSeconds, generationId, tenant, attempt);
                return;
            }
            catch (Exception)
            {
                // the tenant's grain is being activated elsewhere: try again
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Seconds} device-seconds of generation {Id} could not be charged to tenant {Tenant} after {Attempts} attempts")]
    static partial void LogLost(ILogger logger, Exception exception, double seconds, string id, string tenant, int attempts);
}
