using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using Ttm.Silo;

// A silo: Ttm:Role accelerator (segmentation and both denoising stages) or plain (planning and encoding); /metrics for Prometheus.
var builder = WebApplication.CreateBuilder(args);
builder.UseOrleans(silo => silo.UseLocalhostClustering().AddMemoryGrainStorage("generations").AddTtmSilo(builder.Configuration));
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusExporter());
var app = builder.Build();
app.MapPrometheusScrapingEndpoint("/metrics");
await app.RunAsync();
