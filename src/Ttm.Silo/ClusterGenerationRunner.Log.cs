using Microsoft.Extensions.Logging;

namespace Ttm.Silo;

public sealed partial class ClusterGenerationRunner
{
    [LoggerMessage(EventId = 2001, EventName = "DeviceStagesLost", Level = LogLevel.Warning,
        Message = "The device stages of {GenerationId} lost their silo ({Error}) on attempt {Attempt}, {LostSeconds:F0} s of at most {WaitSeconds:F0} s without progress: they run again on another accelerator from their checkpoints")]
    static partial void LogDeviceStagesLost(ILogger logger, string generationId, int attempt, double lostSeconds, double waitSeconds, string error);

    [LoggerMessage(EventId = 2002, EventName = "WaitingForAccelerator", Level = LogLevel.Warning,
        Message = "The device stages of {GenerationId} wait for an accelerator silo: the cluster has none (for at most {WaitSeconds:F0} s)")]
    static partial void LogWaitingForAccelerator(ILogger logger, string generationId, double waitSeconds);

    [LoggerMessage(EventId = 2003, EventName = "AcceleratorQueueUnanswered", Level = LogLevel.Warning,
        Message = "The accelerator queue did not answer for {GenerationId} ({Error}): its device stages are placed without it")]
    static partial void LogQueueUnanswered(ILogger logger, string generationId, string error);
}
