using Ttm.Cli.Cluster;
using Ttm.Protos.V1;
using Xunit.Abstractions;

namespace Ttm.System.Tests;

/// <summary>
/// One generation's trace across the cluster's processes, as OpenTelemetry exports it over OTLP to a receiver in this
/// test: Redis, a gateway, a plain silo and an accelerator silo, each an OS process this test started and stops by its
/// PID, with OTEL_EXPORTER_OTLP_ENDPOINT set to the receiver.
/// </summary>
public sealed class GenerationTraceTests(ITestOutputHelper output) : IAsyncLifetime
{
    static readonly string Cli = Path.Combine(ServerFixture.Root, "src", "Ttm.Cli", "bin", "Release", "net10.0", "linux-x64", "ttm.dll");
    const string Tenant = "tenant-traced";

    readonly string folder = Directory.CreateTempSubdirectory("ttm-trace-").FullName;
    OtlpTraceReceiver? receiver;
    LocalCluster? cluster;

    public async Task InitializeAsync()
    {
        receiver = await OtlpTraceReceiver.StartAsync();
        cluster = await LocalCluster.StartRedisAsync(folder, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200", // ms: the spans come while the test waits, not 5 s later
        }, program: Cli);
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (cluster is not null)
            {
                foreach (var p in cluster.Processes) output.WriteLine($"--- {p.Name} (pid {p.Pid}, exit {p.ExitCode?.ToString() ?? "running"})\n{p.Tail(15)}");
                await cluster.DisposeAsync();
            }
        }
        finally
        {
            if (receiver is not null) await receiver.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The spans of one generation's work (the forward passes that served its steps are traces of their own).</summary>
    static readonly string[] GenerationSpans =
        ["admission", "generation", "plan", "device stages", "device stages run", "segment", "motion", "video", "checkpoint", "device step", "encode"];

    [Fact]
    public async Task OneGeneration_IsOneTrace_FromTheGateway_ThroughItsSilo_ToTheAcceleratorsDeviceSteps()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        // The plain silo alone at first: the generation's grain (its run, plan and encode) lands there, and its device
        // stages wait for the accelerator silo started once the wait is logged. Three processes, each with its part.
        var plain = await cluster!.StartSiloAsync("plain", timeout.Token);
        int port = LocalCluster.FreePort();
        var gateway = await cluster.StartGatewayAsync(port, timeout.Token);
        const int steps = 5; // a stage: a checkpoint after step 4
        var follower = new GenerationFollower(ClusterFailureBenchmark.Request(SampleRequests.Sample, 7, steps, "traced"), Tenant,
            await cluster.TenantKeyAsync(Tenant), () => port);
        var run = follower.RunAsync(timeout.Token);
        while (!plain.Output().Any(line => line.Contains("wait for an accelerator silo")))
        {
            Assert.False(run.IsCompleted, $"the generation ended ({follower.Last?.EventCase}) before its device stages waited for an accelerator");
            await Task.Delay(100, timeout.Token);
        }
        var accelerator = await cluster.StartSiloAsync("accelerator", timeout.Token);
        await run;
        Assert.True(follower.Last?.EventCase == GenerationEvent.EventOneofCase.Completed, $"the generation ended {follower.Last?.EventCase}: {follower.Last?.Failed?.Message}");
        string id = follower.Id!;

        // The hosts export in batches: wait (bounded) until the generation's spans and a pass linked to them are in.
        List<ReceivedSpan> ours = [], passes = [];
        for (var waited = global::System.Diagnostics.Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(30); await Task.Delay(200, timeout.Token))
        {
            var all = receiver!.Spans;
            ours = all.Where(s => s.Tags.GetValueOrDefault("ttm.generation_id") == id).ToList();
            passes = all.Where(s => s.Name == "forward pass" && s.Links.Any(l => ours.Any(o => o.Name == "device step" && o.SpanId == l.SpanId))).ToList();
            if (GenerationSpans.All(name => ours.Any(s => s.Name == name)) && ours.Count(s => s.Name == "device step") == 2 * steps && passes.Count > 0) break;
        }
        foreach (var g in ours.GroupBy(s => (s.Name, s.Service, s.Instance)).OrderBy(g => g.Key.Name))
            output.WriteLine($"{g.Key.Name}: {g.Count()} from {g.Key.Service} pid {g.Key.Instance}, trace {string.Join(' ', g.Select(s => s.TraceId).Distinct())}");
        foreach (var name in GenerationSpans)
            Assert.True(ours.Any(s => s.Name == name), $"no '{name}' span of {id} arrived; received {receiver!.Spans.Count} spans");

        // One trace, from three processes: the admission on the gateway, the run on the plain silo, the device steps on the accelerator.
        var trace = Assert.Single(ours.Select(s => s.TraceId).Distinct());
        From(Span("admission"), gateway, "ttm-gateway");
        foreach (var name in new[] { "generation", "plan", "device stages", "encode" }) From(Span(name), plain, "ttm-silo");
        foreach (var name in new[] { "device stages run", "segment", "motion", "video" }) From(Span(name), accelerator, "ttm-silo");
        Assert.True(ours.Select(s => s.Instance).Distinct().Count() >= 3);
        Assert.All(ours, s => Assert.Equal(Tenant, s.Tags.GetValueOrDefault("ttm.tenant")));

        // The stages are children of the device stages' run; each device step and checkpoint a child of its stage, in the
        // generation's trace, carrying the generation's id (selected by it above).
        foreach (var name in new[] { "segment", "motion", "video" }) Assert.Equal(Span("device stages run").SpanId, Span(name).ParentSpanId);
        Assert.All(ours.Where(s => s.Name == "checkpoint"), c => Assert.Contains(c.ParentSpanId, new[] { Span("motion").SpanId, Span("video").SpanId }));
        var deviceSteps = ours.Where(s => s.Name == "device step").ToList();
        Assert.All(deviceSteps, s => Assert.Equal(accelerator.Pid.ToString(), s.Instance));
        Assert.Equal(steps, deviceSteps.Count(s => s.ParentSpanId == Span("motion").SpanId));
        Assert.Equal(steps, deviceSteps.Count(s => s.ParentSpanId == Span("video").SpanId));

        // Each forward pass is a trace of its own on the device thread, with its batch size, linked to the steps it served.
        Assert.NotEmpty(passes);
        Assert.All(passes, pass =>
        {
            Assert.NotEqual(trace, pass.TraceId);
            Assert.Equal(accelerator.Pid.ToString(), pass.Instance);
            Assert.InRange(int.Parse(pass.Tags["ttm.batch_size"]), 1, 64);
            Assert.Contains(pass.Links, l => l.TraceId == trace);
            Assert.Contains(id, pass.Tags["ttm.generations"].Split(','));
        });

        ReceivedSpan Span(string name) => Assert.Single(ours, s => s.Name == name);
    }

    /// <summary>The span came from that process (its pid is the span's service.instance.id) and that service.</summary>
    static void From(ReceivedSpan span, HostProcess process, string service) =>
        Assert.True(span.Instance == process.Pid.ToString() && span.Service == service,
            $"'{span.Name}' came from {span.Service} pid {span.Instance}, not {service} pid {process.Pid} ({process.Name})");
}
