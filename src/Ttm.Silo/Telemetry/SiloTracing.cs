using System.Diagnostics;

namespace Ttm.Silo.Telemetry;

/// <summary>The silo's spans (plan, the device stages' call and run, encode); the host's telemetry (Ttm.Hosting) exports them.</summary>
static class SiloTracing
{
    public static readonly ActivitySource Source = new("Ttm.Silo");
}
