using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;
using Ttm.Contracts;
using Ttm.Hosting;

namespace Ttm.Grains.Tests;

/// <summary>
/// The silo holding a generation's grain dies mid-run: the generation is driven again elsewhere, its log holds every
/// event once, and the run driven again continues the trace of the call that admitted it.
/// </summary>
public sealed class GenerationRedriveTests : IAsyncLifetime
{
    readonly ScriptedRunner runner = new();
    readonly MemoryGenerationEventLog eventLog = new(); // shared by both silos, as a Redis stream is
    readonly SharedGrainStorage storage = new();
    InProcessTestCluster cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            // Both silos share this process, so resource-optimised placement (Orleans' default) sees one machine's load and
            // may keep choosing the same silo; the test needs a grain on the secondary, so placement is random here.
            silo.Services.AddSingleton<PlacementStrategy, RandomPlacement>();
            silo.UseInMemoryReminderService();
            silo.AddActivityPropagation();
            silo.Services.AddKeyedSingleton<Orleans.Storage.IGrainStorage>("generations", storage);
            silo.Services.AddSingleton<IGenerationRunner>(runner);
            silo.Services.AddSingleton<IGenerationEventLog>(eventLog);
            silo.Services.AddSingleton<IGenerationIndex, MemoryGenerationIndex>();
            silo.Services.AddSingleton<IArtifactStore>(new DirectoryArtifactStore(Path.Combine(Path.GetTempPath(), "ttm-grains-unused-store")));
        });
        cluster = builder.Build();
        await cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task ItsSiloDyingMidRun_TheGenerationIsDrivenAgainElsewhere_AndNoEventIsLoggedTwice()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // a call lost to the killed silo takes Orleans' response timeout (30 s)
        // The generation grains' run spans, wherever they start in this process (both silos are in it).
        var runs = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Ttm.Grains" or "Microsoft.Orleans.Application",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = span => { if (span.Source.Name == "Ttm.Grains" && span.OperationName == "generation") runs.Enqueue(span); },
        };
        ActivitySource.AddActivityListener(listener);
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var secondary = cluster.Silos[1].SiloAddress; // the first silo hosts the test cluster's membership: keep it
        async Task<SiloAddress?> Where(string id) =>
            (await management.GetDetailedGrainStatistics()).FirstOrDefault(a => a.GrainType.StartsWith(typeof(GenerationGrain).FullName + ",") && a.GrainId.Key.ToString() == id)?.SiloAddress;

        // A generation whose grain sits on the secondary silo (placement is random: try a few ids).
        string? id = null;
        for (int i = 0; id is null; i++)
        {
            Assert.True(i < 40, "40 generation grains in a row were placed on the primary silo");
            var candidate = $"g-redrive-{i}";
            await cluster.Client.GetGrain<IGenerationGrain>(candidate).StartAsync(new("tenant-a", "images/x.png", "p", 1, 4, 4, 1.5f, 3f, 1.5f, 3f, 2, 64, [VideoFormat.Mp4], [], $"d{i}", null));
            if (secondary.Equals(await Where(candidate))) id = candidate;
            else await cluster.Client.GetGrain<IGenerationGrain>(candidate).CancelAsync("placed on the primary silo");
        }
        int runsBefore = runner.Runs;
        runner.Release(SampleUpdates.Plan);
        runner.Release(SampleUpdates.MotionPreview(2, 4));
        var grain = cluster.Client.GetGrain<IGenerationGrain>(id);
        while ((await grain.GetStatusAsync()).LastSeq < 3) await Task.Delay(20, timeout.Token);

        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.SiloAddress.Equals(secondary)));

        // The next call activates it on the surviving silo, which drives it again; the run repeats what it did.
        GenerationStatus? seen = null;
        while (runner.Runs == runsBefore)
        {
            try
            {
                seen = await grain.GetStatusAsync();
            }
            catch (Exception e) when (e is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
            {
                // Sent to the killed silo before membership declared it dead: that call is lost, the next one is placed anew.
            }
            Assert.True(!timeout.IsCancellationRequested, $"not driven again; status {seen}");
            await Task.Delay(200);
        }
        foreach (var update in new[] { SampleUpdates.Plan, SampleUpdates.MotionPreview(2, 4), SampleUpdates.MotionPreview(4, 4), SampleUpdates.Completed })
            runner.Release(update);

        var events = new List<GenerationEvent>();
        await foreach (var e in grain.WatchAsync(0, timeout.Token).WithCancellation(timeout.Token)) events.Add(e);
        Assert.Equal([1L, 2, 3, 4, 5], events.Select(e => e.Seq));
        Assert.Equal([typeof(GenerationAccepted), typeof(GenerationPlanned), typeof(MotionPreviewed), typeof(MotionPreviewed), typeof(GenerationCompleted)],
            events.Select(e => e.Update.GetType()));
        Assert.Equal([2, 4], events.Select(e => e.Update).OfType<MotionPreviewed>().Select(p => p.Step));
        Assert.Equal(GenerationState.Completed, (await grain.GetStatusAsync()).State);

        // Both runs are children of the call that admitted the generation (its traceparent is in the grain state).
        var traced = runs.Where(span => (string?)span.GetTagItem(GenerationTrace.GenerationIdTag) == id).ToList();
        Assert.Equal(2, traced.Count);
        Assert.NotEqual(default, traced[0].ParentSpanId);
        Assert.Equal(traced[0].TraceId, traced[1].TraceId);
        Assert.Equal(traced[0].ParentSpanId, traced[1].ParentSpanId);
    }
}
