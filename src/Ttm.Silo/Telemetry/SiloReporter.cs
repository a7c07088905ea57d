using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Ttm.Grains;
using Ttm.Silo.Placement;

namespace Ttm.Silo.Telemetry;

/// <summary>
/// Every <see cref="Interval"/> tells the ops monitor what this silo is: role and device, its GPUs by NVML,
/// its device worker's queue and batching, and the generations in flight per stage and tenant.
/// </summary>
public sealed partial class SiloReporter(IGrainFactory grains, ILocalSiloDetails silo, SiloRole role, GpuMetrics gpus, LoadedModels loaded,
    TimeProvider clock, ILogger<SiloReporter> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    readonly Nvml nvml = gpus.Nvml; // taking GpuMetrics also creates its gauges with the silo

    public SiloReport Report()
    {
        var device = loaded.Models?.Device.Snapshot();
        return new SiloReport(silo.SiloAddress.ToString(), role.Role, role.Device, clock.GetUtcNow(), nvml.Status, nvml.Read(),
            device is null ? null : new DeviceQueueStatus(device.Name, device.QueueDepth, device.QueuedByTenant, device.MaxBatch,
                device.Batches, device.Steps, Math.Round(device.MeanBatchSize, 3), Math.Round(device.LastStepSeconds, 4)),
            device?.ActiveByStage ?? new Dictionary<string, int>(), device?.ActiveByTenant ?? new Dictionary<string, int>());
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await grains.GetGrain<IOpsMonitorGrain>(0).ReportAsync(Report());
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogReportFailed(logger, e.Message); // the silo is starting or the monitor is moving: next tick
            }
        }
        while (await NextTick(timer, stoppingToken).ConfigureAwait(false));
    }

    /// <summary>False once the silo stops (its token cancelled), instead of an exception the host would report as the service failing.</summary>
    static async Task<bool> NextTick(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ops report not delivered: {Reason}")]
    static partial void LogReportFailed(ILogger logger, string reason);
}
