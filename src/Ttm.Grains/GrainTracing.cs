using System.Diagnostics;

namespace Ttm.Grains;

/// <summary>The generation grains' spans (a generation's run); the host's telemetry (Ttm.Hosting) exports them.</summary>
static class GrainTracing
{
    public static readonly ActivitySource Source = new("Ttm.Grains");
}
