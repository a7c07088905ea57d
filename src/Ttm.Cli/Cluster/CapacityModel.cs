using System.Text.Json.Nodes;
using Ttm.Models;
using Ttm.Models.Simulation;

namespace Ttm.Cli.Cluster;

/// <summary>
/// What a fleet of G GPUs of one model size needs around it, as arithmetic from measured costs: the device seconds of a
/// generation from the H100 cost model (<see cref="DeviceCostModel"/>, wave 1's H100 run scaled by FLOPs), and each host
/// kind's CPU seconds, Redis operations, events and store bytes per generation from the benchmark JSONs that measured
/// them (<c>bench fleet</c>, <c>bench data-plane</c>, <c>bench cluster</c>) and one Redis' measured operations a second.
/// Nothing in it is guessed: every input names the file and field it came from.
/// </summary>
public static class CapacityModel
{
    /// <summary>One measured per-generation cost, with where it was read.</summary>
    public sealed record Input(double Value, string Source);

    /// <summary>The measured costs the model multiplies out.</summary>
    public sealed record Inputs(
        Input AcceleratorHostCpuSeconds, Input PlainSiloCpuSeconds, Input GatewayCpuSeconds, Input RedisCpuSeconds,
        Input RedisOperations, Input ClientEvents, Input RedisBytesPerLog, Input StoreBytesAtDisplay1024, Input RedisOperationsPerSecond)
    {
        /// <summary>Reads the costs from the JSON files the benchmarks wrote.</summary>
        /// <param name="redisOperationsPerSecond">one Redis instance's measured rate, with how it was measured</param>
        public static Inputs Read(string fleetJson, string dataPlaneJson, string clusterJson, Input redisOperationsPerSecond)
        {
            var fleet = JsonNode.Parse(File.ReadAllText(fleetJson))!;
            var dataPlane = JsonNode.Parse(File.ReadAllText(dataPlaneJson))!;
            var cluster = JsonNode.Parse(File.ReadAllText(clusterJson))!;
            string fleetName = Path.GetFileName(fleetJson), dataPlaneName = Path.GetFileName(dataPlaneJson), clusterName = Path.GetFileName(clusterJson);
            double perMinute = (double)fleet["generations_per_minute"]!;
            Input Cpu(string host) => new((double)fleet["cpu_seconds_per_generation"]![host]!, $"{fleetName}: cpu_seconds_per_generation.{host}");
            Input PerGeneration(string field) => new((double)fleet[field]! * 60 / perMinute, $"{fleetName}: {field} × 60 / generations_per_minute");
            return new(Cpu("accelerator"), Cpu("plain"), Cpu("gateway"), Cpu("redis"),
                PerGeneration("redis_ops_per_second"), PerGeneration("gateway_events_per_second"),
                new((double)cluster["event_log"]!["redis_bytes_per_generation"]!, $"{clusterName}: event_log.redis_bytes_per_generation"),
                new((double)dataPlane["store_bytes_written"]! + (double)dataPlane["store_bytes_read"]!, $"{dataPlaneName}: store_bytes_written + store_bytes_read (16 frames)"),
                redisOperationsPerSecond);
        }
    }

    /// <summary>One row: a fleet of <paramref name="Gpus"/> H100s serving one model size at full batches.</summary>
    public sealed record Row(
        string Size, int Gpus, double DeviceSecondsPerGeneration, double GenerationsPerMinute,
        double AcceleratorHostCoresPerGpu, double PlainSiloCores, double GatewayCores, double RedisOperationsPerSecond,
        double RedisShare, double ClientEventsPerSecond, double StoreMegabytesPerSecondAt1024, double RedisMegabytesPerDayOfLogs, string Limit);

    /// <summary>Steps per stage of the typical request the rows are read for (the server's default).</summary>
    public const int Steps = 16;

    /// <summary>Requests sharing a pass at full load (the device worker's largest batch on a GPU).</summary>
    public const int FullBatch = 32;

    /// <summary>The rows for each size and fleet size: what the fleet produces and what that asks of every other part.</summary>
    public static IReadOnlyList<Row> Rows(Inputs inputs, IEnumerable<string> sizes, IEnumerable<int> gpuCounts) =>
        (from size in sizes from gpus in gpuCounts select RowFor(inputs, size, gpus)).ToList();

    static Row RowFor(Inputs m, string size, int gpus)
    {
        var motion = TtmConfig.Named(size) with { Stage = ModelStage.Motion };
        var video = TtmConfig.Named(size) with { Stage = ModelStage.Video };
        double deviceSeconds = DeviceCostModel.H100.GenerationSeconds(motion, video, Steps, Steps, FullBatch);
        double perSecond = gpus / deviceSeconds;
        double redisOps = perSecond * m.RedisOperations.Value;
        double frames = video.Frames / 16.0; // the data-plane measurement moved 16 frames a video
        var row = new Row(size, gpus, deviceSeconds, perSecond * 60,
            AcceleratorHostCoresPerGpu: perSecond / gpus * m.AcceleratorHostCpuSeconds.Value,
            PlainSiloCores: perSecond * m.PlainSiloCpuSeconds.Value,
            GatewayCores: perSecond * m.GatewayCpuSeconds.Value,
            RedisOperationsPerSecond: redisOps,
            RedisShare: redisOps / m.RedisOperationsPerSecond.Value,
            ClientEventsPerSecond: perSecond * m.ClientEvents.Value,
            StoreMegabytesPerSecondAt1024: perSecond * m.StoreBytesAtDisplay1024.Value * frames / 1e6,
            RedisMegabytesPerDayOfLogs: perSecond * 86_400 * m.RedisBytesPerLog.Value / 1e6,
            Limit: "");
        return row with { Limit = LimitOf(row) };
    }

    /// <summary>The first part to run out as the fleet grows: a GPU host's cores (16 on the H100 machines), one Redis, or none.</summary>
    static string LimitOf(Row r)
    {
        const int HostCores = 16;
        var limits = new List<string>();
        if (r.AcceleratorHostCoresPerGpu > HostCores)
            limits.Add($"the GPU host's CPU: {r.AcceleratorHostCoresPerGpu:F0} cores a GPU of host work (segmentation, per-step collation, previews) against {HostCores}");
        if (r.RedisShare > 1)
            limits.Add($"one Redis: {r.RedisShare:F1}× its measured rate (shard the event logs by generation id over {Math.Ceiling(r.RedisShare)} primaries)");
        return limits.Count == 0 ? "the GPUs" : string.Join("; ", limits);
    }
}
