using Orleans.Placement;
using Orleans.Runtime;

namespace Ttm.Silo.Placement;

/// <summary>
/// Places a grain only on a silo whose metadata declares <see cref="SiloRole.Accelerator"/>. The built-in silo
/// metadata filters compare against the caller's silo, which external clients (the gateway) do not have; this
/// strategy looks at the candidates' metadata alone.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("ttm.accelerator-placement")]
public sealed class AcceleratorPlacement : PlacementStrategy
{
    public static readonly AcceleratorPlacement Instance = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class AcceleratorPlacementAttribute() : PlacementAttribute(AcceleratorPlacement.Instance);
