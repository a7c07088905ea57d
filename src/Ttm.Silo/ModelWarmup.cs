using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ttm.Pipeline;
using Ttm.Silo.Options;
using Ttm.Silo.Placement;
using Ttm.Silo.Telemetry;

namespace Ttm.Silo;

/// <summary>
/// With Ttm:LoadModelsAtStart, an accelerator silo loads its networks, segmenter and device thread as it starts, so
/// its startup and readiness probes turn healthy only when it can serve; a failure is logged and kept for the probe.
/// </summary>
public sealed partial class ModelWarmup(IServiceProvider services, SiloRole role, IOptions<SiloOptions> options, LoadedModels loaded,
    ILogger<ModelWarmup> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!role.IsAccelerator || !options.Value.LoadModelsAtStart) return Task.CompletedTask;
        return Task.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            try
            {
                var models = services.GetRequiredService<PipelineModels>();
                LogLoaded(logger, models.Device.Name, clock.Elapsed.TotalSeconds);
            }
            catch (Exception e)
            {
                loaded.LoadError = e.Message;
                LogFailed(logger, e);
            }
        }, stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "networks loaded on {Device} in {Seconds:F1} s")]
    static partial void LogLoaded(ILogger logger, string device, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "loading the networks at start failed; the startup probe says so until the silo is restarted")]
    static partial void LogFailed(ILogger logger, Exception exception);
}
