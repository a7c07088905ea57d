using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using StackExchange.Redis;
using Ttm.Cli.Cluster;
using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Grains.Storage;
using Ttm.Hosting;
using GrainEvent = Ttm.Grains.GenerationEvent;
using ProtoEvent = Ttm.Protos.V1.GenerationEvent;

namespace Ttm.System.Tests;

/// <summary>The history checker on logs written here into a real Redis: a sound one passes, and each kind of fault is found and named.</summary>
public sealed class GenerationHistoryTests : IAsyncLifetime
{
    readonly string folder = Directory.CreateTempSubdirectory("ttm-history-").FullName;
    LocalCluster redis = null!;
    ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        redis = await LocalCluster.StartRedisAsync(folder);
        services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(GrainEvent).Assembly)).BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await redis.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    const string Service = "history";
    static readonly DateTimeOffset At = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    static GrainEvent Event(long seq, GenerationUpdate update) => new(seq, At.AddSeconds(seq), update);

    static GenerationCompleted Completed(string id) => new(new Dictionary<string, string> { ["mp4"] = $"{id}/outputs/video.mp4" },
        new Dictionary<GenerationStage, double>(), "");

    static ProtoEvent Seen(long seq, ProtoEvent.EventOneofCase kind, DateTimeOffset at)
    {
        var e = new ProtoEvent { Seq = seq, Time = Timestamp.FromDateTimeOffset(at) };
        if (kind == ProtoEvent.EventOneofCase.Accepted) e.Accepted = new();
        else if (kind == ProtoEvent.EventOneofCase.Completed) e.Completed = new();
        return e;
    }

    [Fact]
    public async Task ASoundHistoryPasses_AndEveryKindOfFaultIsFoundAndNamed()
    {
        var serializer = services.GetRequiredService<Serializer<GrainEvent>>();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(new ClusterStoreOptions { Redis = redis.Redis }.RedisConnection());
        var log = new RedisGenerationEventLog(connection, serializer, Service);
        var store = Path.Combine(folder, "store");
        async Task Write(string id, params GrainEvent[] events) { foreach (var e in events) await log.AppendAsync(id, e); }
        void Artifact(string id) { Directory.CreateDirectory(Path.Combine(store, id, "outputs")); File.WriteAllBytes(Path.Combine(store, id, "outputs", "video.mp4"), [1, 2, 3]); }

        // Sound: 1..3, one terminal last, its artifact there, and what the client saw is logged.
        await Write("gen-sound", Event(1, new GenerationAccepted(0)), Event(2, new GenerationPlanned(new PromptPlan("p", "p", [], "rules"))), Event(3, Completed("gen-sound")));
        Artifact("gen-sound");
        var seen = new Dictionary<string, IReadOnlyList<ProtoEvent>>
        {
            ["gen-sound"] = [Seen(1, ProtoEvent.EventOneofCase.Accepted, At.AddSeconds(1)), Seen(3, ProtoEvent.EventOneofCase.Completed, At.AddSeconds(3))],
        };
        var sound = await GenerationHistory.CheckAsync(redis.Redis, Service, store, seen, CancellationToken.None);
        Assert.True(sound.Sound, sound.ToString());
        Assert.Equal((1, 3, 1), (sound.Generations, sound.Events, sound.Completed));

        // A gap (seq 3 missing), two terminal events, a completion whose artifact is gone.
        await Write("gen-gap", Event(1, new GenerationAccepted(0)), Event(2, new GenerationAccepted(0)), Event(4, Completed("gen-gap")));
        Artifact("gen-gap");
        await Write("gen-two-ends", Event(1, new GenerationAccepted(0)), Event(2, new GenerationFailed(GenerationStage.Plan, FailureCode.Internal, "x")), Event(3, Completed("gen-two-ends")));
        Artifact("gen-two-ends");
        await Write("gen-no-video", Event(1, new GenerationAccepted(0)), Event(2, Completed("gen-no-video")));
        // An entry whose event carries another seq than its id (a second writer's copy).
        await connection.GetDatabase().StreamAddAsync($"ttm:{Service}:events:gen-renumbered", "e", serializer.SerializeToArray(Event(1, new GenerationAccepted(0))), messageId: "0-1");
        await connection.GetDatabase().StreamAddAsync($"ttm:{Service}:events:gen-renumbered", "e", serializer.SerializeToArray(Event(1, Completed("gen-renumbered"))), messageId: "0-2");
        Artifact("gen-renumbered");
        // The client saw seq 3 of gen-sound stamped at another time, and a seq 4 the log never had.
        seen["gen-sound"] = [.. seen["gen-sound"], Seen(4, ProtoEvent.EventOneofCase.Completed, At.AddSeconds(4))];
        seen["gen-no-video"] = [Seen(2, ProtoEvent.EventOneofCase.Completed, At.AddSeconds(9))];

        var faulty = await GenerationHistory.CheckAsync(redis.Redis, Service, store, seen, CancellationToken.None);
        Assert.False(faulty.Sound);
        Assert.Equal(5, faulty.Generations);
        Assert.Equal(1, faulty.Gaps);
        Assert.Equal(2, faulty.Duplicates); // gen-renumbered: entry 2 numbered 1, and seq 1 twice
        Assert.Equal(1, faulty.Terminals);
        Assert.Equal(1, faulty.MissingArtifacts);
        Assert.Equal(2, faulty.LostAcknowledged);
        Assert.Contains(faulty.Problems, p => p.StartsWith("gen-gap: seq 4 follows 2"));
        Assert.Contains(faulty.Problems, p => p.StartsWith("gen-two-ends: 2 terminal events"));
        Assert.Contains(faulty.Problems, p => p.StartsWith("gen-no-video: its mp4"));
        Assert.Contains(faulty.Problems, p => p.StartsWith("gen-sound: the client saw seq 4 (Completed) that the log lacks"));
        Assert.Contains(faulty.Problems, p => p.StartsWith("gen-no-video: the client saw seq 2 (Completed) that the log holds as Completed at"));
    }
}
