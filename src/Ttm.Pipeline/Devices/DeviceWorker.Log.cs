using Microsoft.Extensions.Logging;

namespace Ttm.Pipeline.Devices;

public sealed partial class DeviceWorker
{
    [LoggerMessage(EventId = 3001, EventName = "PassFailed", Level = LogLevel.Warning,
        Message = "A pass of {BatchSize} steps on {Device} failed: each of its requests runs alone once")]
    static partial void LogPassFailed(ILogger logger, Exception error, string device, int batchSize);

    [LoggerMessage(EventId = 3002, EventName = "PassRetried", Level = LogLevel.Warning,
        Message = "A pass of {BatchSize} steps on {Device} met a corrupt libtorch scalar and runs once more")]
    static partial void LogPassRetried(ILogger logger, string device, int batchSize);

    [LoggerMessage(EventId = 3003, EventName = "StepFailed", Level = LogLevel.Warning,
        Message = "A step of tenant {Tenant} on {Device} failed")]
    static partial void LogStepFailed(ILogger logger, Exception error, string device, string tenant);
}
