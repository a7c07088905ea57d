
namespace Ttm.Gateway;

public sealed partial class TenantGenerations
{
    /// <summary>A request refused on the tenant path: invalid, over a limit, a reused request id, the cluster full (the caller has the status too).</summary>
    [LoggerMessage(EventId = 1001, EventName = "GenerationRefused", Level = LogLevel.Information,
        Message = "A generation of tenant {Tenant} was refused: {Status}: {Detail}")]
    static partial void LogRefused(ILogger logger, string tenant, RefusalCode status, string detail);
}
