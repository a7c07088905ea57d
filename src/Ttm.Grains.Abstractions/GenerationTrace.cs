using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Ttm.Grains;

/// <summary>
/// A generation's identity in traces and logs: its spans carry <see cref="GenerationIdTag"/> and <see cref="TenantTag"/>,
/// also as baggage, so the spans started under them (in this process, and past a grain call in the next) carry them too;
/// its log lines carry them in a scope.
/// </summary>
public static class GenerationTrace
{
    public const string GenerationIdTag = "ttm.generation_id";
    public const string TenantTag = "ttm.tenant";

    /// <summary>Tags the span (none when nobody listens) with the generation and its tenant, and puts both in its baggage.</summary>
    public static Activity? OfGeneration(this Activity? span, string generationId, string? tenant)
    {
        if (span is null) return null;
        span.SetTag(GenerationIdTag, generationId).SetBaggage(GenerationIdTag, generationId);
        if (tenant is not null) span.SetTag(TenantTag, tenant).SetBaggage(TenantTag, tenant);
        return span;
    }

    static readonly Func<ILogger, string, string, IDisposable?> Scope =
        LoggerMessage.DefineScope<string, string>("Generation {GenerationId} of tenant {Tenant}");

    /// <summary>A log scope with GenerationId and Tenant for everything logged in a generation's work.</summary>
    public static IDisposable? BeginGenerationScope(this ILogger logger, string generationId, string tenant) => Scope(logger, generationId, tenant);
}
