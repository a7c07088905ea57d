using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Silo.Placement;

namespace Ttm.Silo.Tests;

/// <summary>
/// Two accelerator silos on the simulated H100 (their passes take the cost model's time): while one holds a long
/// generation, the short ones that come after go to the other, whichever silo their generation grains sit on. Placed by
/// count, or beside the caller as before, some would queue behind the long one.
/// </summary>
public sealed class PlacementByQueuedWorkTests() : ClusterTest(2, _ => SiloRole.Accelerator,
    new Dictionary<string, string?> { ["Ttm:Device"] = "sim:h100" })
{
    static GenerationSpec Spec(int steps, int seed) => new("tenant-a", "inputs/sample.png", "The red square moves right.",
        seed, steps, steps, 1.5f, 3f, 1.5f, 3f, steps, 64, [VideoFormat.Mp4], [], $"digest-{seed}", null);

    /// <summary>"device stages ran on S…:…@… (sim:h100 …)": the silo.</summary>
    static string SiloOf(GenerationEvent last) =>
        Assert.IsType<GenerationCompleted>(last.Update).Note.Split(" (")[0]["device stages ran on ".Length..];

    [Fact]
    public async Task ShortGenerations_StartedBesideALongOne_RunOnTheOtherAccelerator()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        // 128 + 128 steps: 9.4 s of simulated passes alone, far past the short ones' placement below.
        var longGrain = Cluster.Client.GetGrain<IGenerationGrain>("gen-long");
        await longGrain.StartAsync(Spec(128, 1));
        var longEvents = longGrain.WatchAsync(0, timeout.Token).GetAsyncEnumerator(timeout.Token);
        while (await longEvents.MoveNextAsync() && longEvents.Current.Update is not ObjectsSegmented) { } // its device stages are placed
        Assert.IsType<ObjectsSegmented>(longEvents.Current.Update);

        var shorts = Enumerable.Range(0, 4).Select(i => RunToEndAsync($"gen-short-{i}", Spec(4, 10 + i))).ToList();
        var shortSilos = (await Task.WhenAll(shorts)).Select(events => SiloOf(events[^1])).ToList();
        GenerationEvent last = longEvents.Current;
        while (await longEvents.MoveNextAsync()) last = longEvents.Current;
        await longEvents.DisposeAsync();

        string longSilo = SiloOf(last);
        Assert.All(shortSilos, s => Assert.NotEqual(longSilo, s));
    }
}
