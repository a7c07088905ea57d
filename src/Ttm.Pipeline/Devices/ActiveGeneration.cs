namespace Ttm.Pipeline.Devices;

/// <summary>Counts a generation in <see cref="DeviceMetrics.ActiveGenerations"/> (per stage and tenant) while it is in scope.</summary>
readonly struct ActiveGeneration : IDisposable
{
    readonly KeyValuePair<string, object?>[] tags;

    ActiveGeneration(PipelineStage stage, string tenant)
    {
        tags = [new("stage", stage.ToString().ToLowerInvariant()), new("tenant", tenant)];
        DeviceMetrics.ActiveGenerations.Add(1, tags);
    }

    public static ActiveGeneration Enter(PipelineStage stage, string tenant) => new(stage, tenant);

    public void Dispose() => DeviceMetrics.ActiveGenerations.Add(-1, tags);
}
