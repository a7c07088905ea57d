using System.Diagnostics;
using OpenTelemetry;

namespace Ttm.Hosting;

/// <summary>
/// Puts the generation id and tenant on every span started in a generation's work, Orleans' and ASP.NET Core's
/// included: they travel as baggage (set where a generation's work starts: its admission, its run, its device stages)
/// with the trace context across processes, and each span copies them into its tags.
/// </summary>
public sealed class GenerationSpanTags : BaseProcessor<Activity>
{
    public const string GenerationId = "ttm.generation_id";
    public const string Tenant = "ttm.tenant";

    public override void OnStart(Activity activity)
    {
        foreach (var key in new[] { GenerationId, Tenant })
            if (activity.GetTagItem(key) is null && activity.GetBaggageItem(key) is { Length: > 0 } value)
                activity.SetTag(key, value);
    }
}
