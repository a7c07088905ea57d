using Orleans.Serialization;
using StackExchange.Redis;
using Ttm.Grains;

namespace Ttm.Grains.Storage;

/// <summary>
/// A generation's event log as one Redis stream, "ttm:{service}:events:{id}", whose entry ids are "0-{seq}": XADD
/// appends in O(1) and refuses an id at or below the stream's last, so a seq is never taken twice, also by a second
/// activation racing the first; XRANGE replays after any seq. Entries hold the event in Orleans' own versioned
/// serialization (the ttm.….v1 aliases), so old logs stay readable as the records grow fields.
/// </summary>
public sealed class RedisGenerationEventLog(IConnectionMultiplexer redis, Serializer<GenerationEvent> serializer, string serviceId) : IGenerationEventLog
{
    const string Field = "e";
    const int Page = 512;

    RedisKey Key(string generationId) => $"ttm:{serviceId}:events:{generationId}";

    public async Task AppendAsync(string generationId, GenerationEvent e)
    {
        try
        {
            await redis.GetDatabase().StreamAddAsync(Key(generationId), Field, serializer.SerializeToArray(e), messageId: $"0-{e.Seq}");
        }
        catch (RedisServerException error) when (error.Message.Contains("equal or smaller", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Generation {generationId}'s log already holds seq {e.Seq} or a later one.", error);
        }
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

    public Task DeleteAsync(string generationId) => redis.GetDatabase().KeyDeleteAsync(Key(generationId));

    public async Task<long> LastSeqAsync(string generationId)
    {
        var last = await redis.GetDatabase().StreamRangeAsync(Key(generationId), "-", "+", count: 1, messageOrder: Order.Descending);
        return last.Length == 0 ? 0 : long.Parse(((string)last[0].Id!).Split('-')[1]);
    }
}
