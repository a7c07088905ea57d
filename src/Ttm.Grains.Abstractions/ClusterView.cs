namespace Ttm.Grains;

/// <summary>One GPU as NVML sees it.</summary>
[GenerateSerializer, Immutable, Alias("ttm.gpu-reading.v1")]
public sealed record GpuReading(
    [property: Id(0)] int Index,
    [property: Id(1)] string Uuid,
    [property: Id(2)] string Name,
    [property: Id(3)] int UtilizationPercent,
    [property: Id(4)] int MemoryUtilizationPercent,
    [property: Id(5)] long MemoryUsedBytes,
    [property: Id(6)] long MemoryTotalBytes,
    [property: Id(7)] double PowerWatts);

/// <summary>A device worker's queue and batching.</summary>
[GenerateSerializer, Immutable, Alias("ttm.device-queue.v1")]
public sealed record DeviceQueueStatus(
    [property: Id(0)] string Device,
    [property: Id(1)] int Depth,
    [property: Id(2)] IReadOnlyDictionary<string, int> QueuedByTenant,
    [property: Id(3)] int MaxBatch,
    [property: Id(4)] long Batches,
    [property: Id(5)] long Steps,
    [property: Id(6)] double MeanBatchSize,
    [property: Id(7)] double LastStepSeconds);

/// <summary>What one silo reports every few seconds to the ops monitor.</summary>
[GenerateSerializer, Immutable, Alias("ttm.silo-report.v1")]
public sealed record SiloReport(
    [property: Id(0)] string Silo,
    [property: Id(1)] string Role,
    [property: Id(2)] string Device,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string GpuStatus,
    [property: Id(5)] IReadOnlyList<GpuReading> Gpus,
    [property: Id(6)] DeviceQueueStatus? Queue,
    [property: Id(7)] IReadOnlyDictionary<string, int> ActiveByStage,
    [property: Id(8)] IReadOnlyDictionary<string, int> ActiveByTenant);

/// <summary>The cluster as the ops monitor last heard it: every live silo's report and the totals.</summary>
[GenerateSerializer, Immutable, Alias("ttm.cluster-view.v1")]
public sealed record ClusterView(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] IReadOnlyList<SiloReport> Silos,
    [property: Id(2)] int GenerationsInFlight,
    [property: Id(3)] int QueueDepth);
