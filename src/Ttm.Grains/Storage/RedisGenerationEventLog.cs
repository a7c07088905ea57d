using Orleans.Serialization;
using StackExchange.Redis;
using Ttm.Grains;

namespace Ttm.Grains.Storage;

/// <summary>
/// A generation's event log as one Redis stream, "ttm:{service}:events:{id}", whose entry ids are "0-{seq}": XADD
/// appends in O(1) and refuses an id at or below the stream's last, so a seq is never taken twice, also by a second
/// activation racing the first; XRANGE replays after any seq. Entries hold the event in Orleans' own versioned
/// serialization (the ttm.….v1 aliases), so old logs stay readable as the records grow fields.
/// <para>
/// Durable before it returns: with <paramref name="waitReplicas"/> &gt; 0 an append returns only once that many replicas
/// hold it (WAIT), so the replica Sentinel promotes after the primary dies has every event anyone saw. An append that
/// fails while the primary is replaced is tried again on the next one (<see cref="RedisFailover.RetryAsync"/>);
/// a first try that did land is recognised (the same bytes at that seq) rather than refused as a duplicate.
/// </para>
/// <para>
/// Fencing: "ttm:{service}:writer:{id}" holds the latest claim (INCR, durable like an append before the claim is used).
/// An append is one Lua script that refuses a writer below it and adds the entry otherwise, so no append of a replaced
/// activation lands after its replacement claimed the log, however late the partition that held it back heals. A writer
/// above the stored claim (its INCR lost with a primary that died before a replica had it) raises it. Each entry keeps its
/// writer's claim ("w"), so a history check can see that no entry follows one of a later writer.
/// </para>
/// </summary>
/// <param name="waitReplicas">replicas that must acknowledge an append (0: the primary's answer is enough)</param>
/// <param name="waitMilliseconds">how long one WAIT waits before the append counts as not yet durable and is tried again</param>
public sealed class RedisGenerationEventLog(IConnectionMultiplexer redis, Serializer<GenerationEvent> serializer, string serviceId,
    int waitReplicas = 0, int waitMilliseconds = 1_000) : IGenerationEventLog
{
    const string Field = "e";
    const int Page = 512;

    /// <summary>KEYS: the stream, the writer's claim; ARGV: the writer, the entry id, the event. FENCED: the claim is above the writer.</summary>
    const string FencedAppend = """
        local current = tonumber(redis.call('GET', KEYS[2]) or '0')
        local writer = tonumber(ARGV[1])
        if writer < current then return redis.error_reply('FENCED ' .. current) end
        if writer > current then redis.call('SET', KEYS[2], ARGV[1]) end
        return redis.call('XADD', KEYS[1], ARGV[2], 'e', ARGV[3], 'w', ARGV[1])
        """;

    RedisKey Key(string generationId) => $"ttm:{serviceId}:events:{generationId}";
    RedisKey WriterKey(string generationId) => $"ttm:{serviceId}:writer:{generationId}";

    public Task<long> ClaimAsync(string generationId) => RedisFailover.RetryAsync(async () =>
    {
        var db = redis.GetDatabase();
        long claim = await db.StringIncrementAsync(WriterKey(generationId));
        await WaitForReplicasAsync(db, $"Generation {generationId}'s writer claim {claim}");
        return claim;
    });

    public Task AppendAsync(string generationId, GenerationEvent e, long writer = 0)
    {
        var bytes = serializer.SerializeToArray(e);
        return RedisFailover.RetryAsync(() => AppendOnceAsync(generationId, e.Seq, bytes, writer));
    }

    async Task AppendOnceAsync(string generationId, long seq, byte[] bytes, long writer)
    {
        var db = redis.GetDatabase();
        try
        {
            await db.ScriptEvaluateAsync(FencedAppend, [Key(generationId), WriterKey(generationId)], [writer, $"0-{seq}", bytes]);
        }
        catch (RedisServerException error) when (error.Message.StartsWith("FENCED", StringComparison.Ordinal))
        {
            throw new GenerationLogFencedException(generationId, writer, long.Parse(error.Message.Split(' ')[1].TrimEnd('.')));
        }
        catch (RedisServerException error) when (error.Message.Contains("equal or smaller", StringComparison.Ordinal))
        {
            // An earlier try of this same append that landed before its answer was lost, or another writer's event.
            var held = await db.StreamRangeAsync(Key(generationId), $"0-{seq}", $"0-{seq}", count: 1);
            if (held.Length == 0 || !((byte[])held[0][Field]!).AsSpan().SequenceEqual(bytes))
                throw new InvalidOperationException($"Generation {generationId}'s log already holds seq {seq} or a later one.", error);
        }
        await WaitForReplicasAsync(db, $"Generation {generationId}'s event {seq}");
    }

    /// <summary>WAIT: the replicas hold every write this connection made so far, the append among them.</summary>
    async Task WaitForReplicasAsync(IDatabase db, string what)
    {
        if (waitReplicas <= 0) return;
        long acknowledged = (long)await db.ExecuteAsync("WAIT", waitReplicas, waitMilliseconds);
        if (acknowledged < waitReplicas)
            throw new ReplicaNotAcknowledgedException($"{what} reached {acknowledged} of {waitReplicas} replicas within {waitMilliseconds} ms.");
    }

    public async Task<IReadOnlyList<GenerationEvent>> ReadAsync(string generationId, long afterSeq, long upToSeq)
    {
        var events = new List<GenerationEvent>();
        var db = redis.GetDatabase();
        long from = afterSeq + 1;
        while (from <= upToSeq)
        {
            var entries = await db.StreamRangeAsync(Key(generationId), $"0-{from}", $"0-{upToSeq}", count: Page);
            foreach (var entry in entries)
                events.Add(serializer.Deserialize((byte[])entry[Field]!) ?? throw new InvalidDataException($"Generation {generationId}'s log holds an empty entry {entry.Id}."));
            if (entries.Length < Page) break;
            from = events[^1].Seq + 1;
        }
        return events;
    }

    public Task DeleteAsync(string generationId) => redis.GetDatabase().KeyDeleteAsync([Key(generationId), WriterKey(generationId)]);

    public async Task<long> LastSeqAsync(string generationId)
    {
        var last = await redis.GetDatabase().StreamRangeAsync(Key(generationId), "-", "+", count: 1, messageOrder: Order.Descending);
        return last.Length == 0 ? 0 : long.Parse(((string)last[0].Id!).Split('-')[1]);
    }
}
