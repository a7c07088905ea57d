using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using StackExchange.Redis;
using Ttm.Grains;
using Ttm.Hosting;
using GrainEvent = Ttm.Grains.GenerationEvent;
using ProtoEvent = Ttm.Protos.V1.GenerationEvent;

namespace Ttm.Cli.Cluster;

/// <summary>
/// What Jepsen checks of a history, for the generations' event logs after a fault: every log in the cluster's Redis
/// is seq 1..N, each once (the stream's entry id and the event's own seq agree), with exactly one terminal event and
/// that one last; no entry written by a replaced writer (an entry's writer claim below an earlier entry's: the fenced side
/// of a partition wrote after it was replaced); every artifact a Completed event names is in the store and not empty; and every event a client
/// was sent (seq, kind and the time the grain stamped on it) is in the log: nothing acknowledged was lost.
/// </summary>
public static class GenerationHistory
{
    /// <param name="Problems">one line per violation, naming the generation; none when the history is sound</param>
    public sealed record Report(int Generations, int Events, int Gaps, int Duplicates, int Terminals, int MissingArtifacts, int LostAcknowledged,
        int Completed, int Failed, IReadOnlyList<string> Problems, int FencedWrites = 0)
    {
        public bool Sound => Problems.Count == 0;
        public override string ToString() => $"{Generations} generations, {Events} events ({Completed} completed, {Failed} failed or cancelled): "
            + $"{Gaps} gaps, {Duplicates} duplicates, {Terminals} bad terminals, {MissingArtifacts} missing artifacts, {LostAcknowledged} lost acknowledged events, {FencedWrites} writes from a fenced side"
            + (Sound ? "" : "\n" + string.Join('\n', Problems));
    }

    /// <summary>Reads every generation's log from <paramref name="redis"/> (as the silos write it) and checks it against what the clients saw.</summary>
    /// <param name="artifacts">the artifact store's folder</param>
    /// <param name="seen">each generation's events as its client received them</param>
    public static async Task<Report> CheckAsync(string redis, string serviceId, string artifacts,
        IReadOnlyDictionary<string, IReadOnlyList<ProtoEvent>> seen, CancellationToken cancellationToken)
    {
        await using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(GrainEvent).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer<GrainEvent>>();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(new ClusterStoreOptions { Redis = redis }.RedisConnection());
        var db = connection.GetDatabase();
        var primary = connection.GetServers().First(s => s.IsConnected && !s.IsReplica);
        var prefix = $"ttm:{serviceId}:events:";
        var ids = new SortedSet<string>(seen.Keys, StringComparer.Ordinal);
        await foreach (var key in primary.KeysAsync(pattern: prefix + "*").WithCancellation(cancellationToken)) ids.Add(((string)key!)[prefix.Length..]);

        var store = new DirectoryArtifactStore(artifacts);
        var problems = new List<string>();
        int events = 0, fenced = 0, gaps = 0, duplicates = 0, terminals = 0, missing = 0, lost = 0, completed = 0, failed = 0;
        foreach (var id in ids)
        {
            var entries = await db.StreamRangeAsync(prefix + id, "-", "+");
            var log = new List<(long EntrySeq, GrainEvent Event)>();
            long latestWriter = 0;
            foreach (var entry in entries)
            {
                log.Add((long.Parse(((string)entry.Id!).Split('-')[1]), serializer.Deserialize((byte[])entry["e"]!)
                    ?? throw new InvalidDataException($"Generation {id}'s log holds an empty entry {entry.Id}.")));
                // 0. Writers only ever take over: an entry below an earlier entry's writer came from a replaced one.
                long writer = entry["w"].TryParse(out long w) ? w : 0;
                if (writer < latestWriter) { fenced++; problems.Add($"{id}: entry {entry.Id} by writer {writer} after writer {latestWriter} had taken over"); }
                latestWriter = Math.Max(latestWriter, writer);
            }
            events += log.Count;

            // 1. seq 1..N, each once.
            for (int i = 0; i < log.Count; i++)
            {
                var (entrySeq, e) = log[i];
                if (e.Seq != entrySeq) { duplicates++; problems.Add($"{id}: entry {entrySeq} holds an event numbered {e.Seq}"); }
                if (i > 0 && log[i - 1].Event.Seq == e.Seq) { duplicates++; problems.Add($"{id}: seq {e.Seq} twice"); }
                else if (e.Seq != (i == 0 ? 1 : log[i - 1].Event.Seq + 1)) { gaps++; problems.Add($"{id}: seq {e.Seq} follows {(i == 0 ? 0 : log[i - 1].Event.Seq)}"); }
            }

            // 2. Exactly one terminal event, the last.
            var ends = log.Where(l => l.Event.Update is GenerationCompleted or GenerationFailed or GenerationCancelled).ToList();
            if (ends.Count != 1 || log[^1].Event.Update is not (GenerationCompleted or GenerationFailed or GenerationCancelled))
            {
                terminals++;
                problems.Add($"{id}: {ends.Count} terminal events in {log.Count}, the last a {(log.Count == 0 ? "none" : log[^1].Event.Update.GetType().Name)}");
            }
            else if (ends[0].Event.Update is GenerationCompleted c)
            {
                completed++;
                // 3. What the completion names is there.
                foreach (var (name, key) in c.Artifacts)
                    if (!store.Exists(key) || new FileInfo(store.PathOf(key)).Length == 0) { missing++; problems.Add($"{id}: its {name} ({key}) is missing or empty"); }
            }
            else failed++;

            // 4. Every event a client saw is in the log: same seq, kind and stamp.
            if (seen.TryGetValue(id, out var received))
            {
                var logged = log.GroupBy(l => l.Event.Seq).ToDictionary(g => g.Key, g => g.First().Event);
                foreach (var e in received)
                    if (!logged.TryGetValue(e.Seq, out var held) || Kind(held.Update) != e.EventCase || held.At != e.Time.ToDateTimeOffset())
                    {
                        lost++;
                        problems.Add($"{id}: the client saw seq {e.Seq} ({e.EventCase}) that the log {(held is null ? "lacks" : $"holds as {Kind(held.Update)} at {held.At:O}")}");
                    }
            }
        }
        return new Report(ids.Count, events, gaps, duplicates, terminals, missing, lost, completed, failed, problems, fenced);
    }

    /// <summary>The client's view of each generation the followers started.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<ProtoEvent>> Seen(IEnumerable<GenerationFollower> followers) =>
        followers.Where(f => f.Id is not null).ToDictionary(f => f.Id!, f => f.Events);

    /// <summary>The ttm.v1 event an update becomes (EventMessages' mapping, without reading payloads).</summary>
    static ProtoEvent.EventOneofCase Kind(GenerationUpdate update) => update switch
    {
        GenerationAccepted => ProtoEvent.EventOneofCase.Accepted,
        GenerationPlanned => ProtoEvent.EventOneofCase.Plan,
        ObjectsSegmented => ProtoEvent.EventOneofCase.Segmentation,
        MotionPreviewed => ProtoEvent.EventOneofCase.MotionPreview,
        TrajectoryFinished => ProtoEvent.EventOneofCase.MotionDone,
        VideoPreviewed => ProtoEvent.EventOneofCase.VideoPreview,
        VideoChunkStored => ProtoEvent.EventOneofCase.VideoChunk,
        GenerationCompleted => ProtoEvent.EventOneofCase.Completed,
        GenerationFailed => ProtoEvent.EventOneofCase.Failed,
        GenerationCancelled => ProtoEvent.EventOneofCase.Cancelled,
        _ => ProtoEvent.EventOneofCase.None,
    };
}
