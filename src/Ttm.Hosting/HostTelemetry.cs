using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Ttm.Hosting;

/// <summary>
/// OpenTelemetry for every host (gateway, silo, the embedded server), configured once: the meters Prometheus scrapes at
/// /metrics (the host maps the endpoint), and the traces of our sources, Orleans' grain calls and ASP.NET Core's
/// requests, exported over OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set (with the other standard OTEL_* settings).
/// A span carries the generation id and tenant of the generation it works for (<see cref="GenerationSpanTags"/>).
/// </summary>
public static class HostTelemetry
{
    /// <summary>Our meters and activity sources are all named "Ttm.…" (Ttm.Devices, Ttm.Gpus; Ttm.Gateway, Ttm.Grains, Ttm.Silo, Ttm.Pipeline).</summary>
    const string Ours = "Ttm.*";

    /// <summary>
    /// Grain message sizes in powers of two from 64 B to 128 MiB (the SDK's default buckets end at 10,000): the largest
    /// message a host sent lies in its highest non-empty bucket, which is how `./ttm bench data-plane` reads it.
    /// </summary>
    static readonly ExplicitBucketHistogramConfiguration MessageSizeBuckets = new()
    {
        Boundaries = Enumerable.Range(6, 22).Select(power => (double)(1L << power)).ToArray(),
    };

    /// <param name="serviceName">service.name: ttm-gateway, ttm-silo or ttm-serve; service.instance.id is the process id</param>
    public static IHostApplicationBuilder AddTtmTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        bool exports = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 };
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: Environment.ProcessId.ToString()))
            .WithMetrics(metrics => metrics
                .AddMeter(Ours, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.Orleans")
                .AddView("orleans-messaging-sent-messages-size", MessageSizeBuckets)
                .AddView("orleans-messaging-received-messages-size", MessageSizeBuckets)
                .AddPrometheusExporter())
            .WithTracing(tracing =>
            {
                tracing.AddSource(Ours, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Microsoft.AspNetCore")
                    .AddProcessor(new GenerationSpanTags());
                if (exports) tracing.AddOtlpExporter(); // endpoint, protocol, headers, batching: the OTEL_* settings
            });
        return builder;
    }
}
