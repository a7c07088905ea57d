using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using StackExchange.Redis;
using Ttm.Cli.Cluster;
using Ttm.Grains;
using Ttm.Grains.Storage;
using Ttm.Hosting;
using GrainEvent = Ttm.Grains.GenerationEvent;

namespace Ttm.System.Tests;

/// <summary>
/// The event log's fencing on a real Redis: once a second writer has claimed a generation's log, the first one's appends
/// are refused (also one that was held back, as by a partition, and arrives late), the second one's go on from the last seq,
/// and the history checker counts an entry written by a replaced writer.
/// </summary>
public sealed class GenerationLogFencingTests : IAsyncLifetime
{
    const string Service = "fencing";
    readonly string folder = Directory.CreateTempSubdirectory("ttm-fencing-").FullName;
    LocalCluster redis = null!;
    ServiceProvider services = null!;
    ConnectionMultiplexer connection = null!;
    RedisGenerationEventLog log = null!;

    public async Task InitializeAsync()
    {
        redis = await LocalCluster.StartRedisAsync(folder);
        services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(GrainEvent).Assembly)).BuildServiceProvider();
        connection = await ConnectionMultiplexer.ConnectAsync(new ClusterStoreOptions { Redis = redis.Redis }.RedisConnection());
        log = new RedisGenerationEventLog(connection, services.GetRequiredService<Serializer<GrainEvent>>(), Service);
    }

    public async Task DisposeAsync()
    {
        await connection.DisposeAsync();
        await services.DisposeAsync();
        await redis.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    static GrainEvent Event(long seq) => new(seq, DateTimeOffset.UnixEpoch.AddSeconds(seq), new MotionPreviewed((int)seq, 16, $"previews/{seq}.png"));

    [Fact]
    public async Task AReplacedWriter_CannotAppend_AndItsSuccessorContinuesTheLog()
    {
        long first = await log.ClaimAsync("gen-1");
        await log.AppendAsync("gen-1", Event(1), first);
        await log.AppendAsync("gen-1", Event(2), first);

        // The generation is driven again elsewhere: a new activation claims the log, then reads where it ends.
        long second = await log.ClaimAsync("gen-1");
        Assert.True(second > first);
        Assert.Equal(2, await log.LastSeqAsync("gen-1"));

        // The first writer's next append, and a late one for a seq the second has not reached yet, are both refused.
        var refused = await Assert.ThrowsAsync<GenerationLogFencedException>(() => log.AppendAsync("gen-1", Event(3), first));
        Assert.Equal((first, second), (refused.Writer, refused.Current));
        await Assert.ThrowsAsync<GenerationLogFencedException>(() => log.AppendAsync("gen-1", Event(9), first));
        await Assert.ThrowsAsync<GenerationLogFencedException>(() => log.AppendAsync("gen-1", Event(3))); // an unclaimed tool, too

        await log.AppendAsync("gen-1", Event(3), second);
        Assert.Equal([1L, 2, 3], (await log.ReadAsync("gen-1", 0, 10)).Select(e => e.Seq));
        var history = await GenerationHistory.CheckAsync(redis.Redis, Service, Path.Combine(folder, "store"), new Dictionary<string, IReadOnlyList<Protos.V1.GenerationEvent>>(), CancellationToken.None);
        Assert.Equal(0, history.FencedWrites);

        // Deleting the log forgets its writers: a generation id used anew starts unfenced.
        await log.DeleteAsync("gen-1");
        await log.AppendAsync("gen-1", Event(1));
    }

    [Fact]
    public async Task WritersTakingTurns_LeaveOneWriterPerStretch_AndTheCheckerFindsAFencedEntry()
    {
        // Fifty take-overs: each new writer appends, then the one it replaced tries to (as its partition heals) and is refused.
        long previous = 0, next = 1;
        for (int round = 0; round < 50; round++)
        {
            long current = await log.ClaimAsync("gen-turns");
            await log.AppendAsync("gen-turns", Event(next++), current);
            if (previous > 0) await Assert.ThrowsAsync<GenerationLogFencedException>(() => log.AppendAsync("gen-turns", Event(next), previous));
            previous = current;
        }
        Assert.Equal(50, await log.LastSeqAsync("gen-turns"));
        var history = await GenerationHistory.CheckAsync(redis.Redis, Service, Path.Combine(folder, "store"), new Dictionary<string, IReadOnlyList<Protos.V1.GenerationEvent>>(), CancellationToken.None);
        Assert.Equal((50, 0, 0, 0), (history.Events, history.FencedWrites, history.Gaps, history.Duplicates));

        // An entry a replaced writer did get in (written around the script, as a log without fencing would) is counted.
        await connection.GetDatabase().StreamAddAsync($"ttm:{Service}:events:gen-turns", [new("e", services.GetRequiredService<Serializer<GrainEvent>>().SerializeToArray(Event(next))), new("w", 1)], $"0-{next}");
        var fenced = await GenerationHistory.CheckAsync(redis.Redis, Service, Path.Combine(folder, "store"), new Dictionary<string, IReadOnlyList<Protos.V1.GenerationEvent>>(), CancellationToken.None);
        Assert.True(fenced.FencedWrites == 1, fenced.ToString());
    }
}
