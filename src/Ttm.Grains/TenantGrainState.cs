namespace Ttm.Grains;

/// <summary>What a tenant grain persists, so that a tenant's usage survives the loss of the silo holding it.</summary>
[GenerateSerializer, Alias("ttm.tenant-grain-state.v1")]
public sealed class TenantGrainState
{
    /// <summary>Generations admitted and not yet ended, with when they were admitted.</summary>
    [Id(0)] public Dictionary<string, DateTimeOffset> InFlight { get; set; } = [];

    /// <summary>Bytes each ended generation stores (until it is deleted or expires).</summary>
    [Id(1)] public Dictionary<string, long> Stored { get; set; } = [];

    [Id(2)] public DateOnly Day { get; set; }
    [Id(3)] public double DeviceSecondsToday { get; set; }
    [Id(4)] public long Generations { get; set; }
}
