using Orleans.Runtime;

namespace Ttm.Silo.Placement;

/// <summary>No silo of the cluster is an accelerator now (the last one died or is being replaced).</summary>
[GenerateSerializer, Alias("ttm.no-accelerator.v1")]
public sealed class NoAcceleratorException(string message) : OrleansException(message);
