using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ttm.Grains;

namespace Ttm.Silo;

/// <summary>Every silo, at start and then every ten minutes, removes the store's temp files that no writer renamed within an hour (its process died).</summary>
public sealed partial class ArtifactSweeper(IArtifactStore store, ILogger<ArtifactSweeper> logger) : BackgroundService
{
    static readonly TimeSpan Age = TimeSpan.FromHours(1), Period = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            do
            {
                try
                {
                    if (store.SweepTempFiles(Age) is > 0 and var swept) LogSwept(logger, swept);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    LogFailed(logger, e.Message); // a sweep that fails now is tried again next time; it never stops the silo
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the silo stops
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} orphaned temp files from the artifact store")]
    static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping the artifact store's temp files failed: {Error}")]
    static partial void LogFailed(ILogger logger, string error);
}
