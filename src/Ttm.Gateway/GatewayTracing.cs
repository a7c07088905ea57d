using System.Diagnostics;

namespace Ttm.Gateway;

/// <summary>The gateway's spans (a generation's admission); the host's telemetry (Ttm.Hosting) exports them.</summary>
static class GatewayTracing
{
    public static readonly ActivitySource Source = new("Ttm.Gateway");
}
