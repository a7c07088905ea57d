using Orleans;

namespace Ttm.Contracts;

/// <summary>How one object was found in the first frame (hint, colour, automatic or missing), without its mask: what events, summary.json and other silos carry.</summary>
[GenerateSerializer, Immutable, Alias("ttm.segmented-object.v1")]
public sealed record SegmentedObject(
    [property: Id(0)] string Name,
    [property: Id(1)] string Method,
    [property: Id(2)] string Detail,
    [property: Id(3)] int Area);
