using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;

namespace Ttm.System.Tests;

/// <summary>A span as a host exported it: its process (service.name, service.instance.id), ids, name, string tags and links.</summary>
sealed record ReceivedSpan(string Service, string Instance, string TraceId, string SpanId, string ParentSpanId, string Name,
    IReadOnlyDictionary<string, string> Tags, IReadOnlyList<ReceivedLink> Links);

sealed record ReceivedLink(string TraceId, string SpanId);

/// <summary>
/// A real OTLP/HTTP receiver for the hosts under test (OTEL_EXPORTER_OTLP_ENDPOINT=<see cref="Endpoint"/>, protocol
/// http/protobuf): Kestrel on a free loopback port, POST /v1/traces decoded as an ExportTraceServiceRequest.
/// </summary>
sealed class OtlpTraceReceiver : IAsyncDisposable
{
    readonly WebApplication app;
    readonly ConcurrentQueue<ReceivedSpan> spans = new();

    OtlpTraceReceiver()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var span in Decode(ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()))) spans.Enqueue(span);
            return Results.Bytes(new ExportTraceServiceResponse().ToByteArray(), "application/x-protobuf");
        });
    }

    public static async Task<OtlpTraceReceiver> StartAsync()
    {
        var receiver = new OtlpTraceReceiver();
        await receiver.app.StartAsync();
        return receiver;
    }

    /// <summary>e.g. http://127.0.0.1:41234 (the exporters add /v1/traces)</summary>
    public string Endpoint => app.Urls.Single();

    public IReadOnlyList<ReceivedSpan> Spans => spans.ToList();

    static IEnumerable<ReceivedSpan> Decode(ExportTraceServiceRequest export) =>
        from resource in export.ResourceSpans
        let process = Strings(resource.Resource?.Attributes ?? [])
        from scope in resource.ScopeSpans
        from span in scope.Spans
        select new ReceivedSpan(process.GetValueOrDefault("service.name", ""), process.GetValueOrDefault("service.instance.id", ""),
            Hex(span.TraceId), Hex(span.SpanId), Hex(span.ParentSpanId), span.Name, Strings(span.Attributes),
            span.Links.Select(l => new ReceivedLink(Hex(l.TraceId), Hex(l.SpanId))).ToList());

    static Dictionary<string, string> Strings(IEnumerable<KeyValue> attributes) => attributes
        .GroupBy(a => a.Key).ToDictionary(g => g.Key, g => g.Last().Value?.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => g.Last().Value.StringValue,
            AnyValue.ValueOneofCase.IntValue => g.Last().Value.IntValue.ToString(),
            AnyValue.ValueOneofCase.BoolValue => g.Last().Value.BoolValue.ToString(),
            AnyValue.ValueOneofCase.DoubleValue => g.Last().Value.DoubleValue.ToString(global::System.Globalization.CultureInfo.InvariantCulture),
            _ => "",
        });

    static string Hex(ByteString id) => Convert.ToHexString(id.Span).ToLowerInvariant();

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
