using Microsoft.Data.Sqlite;
using Orleans.Serialization;

namespace Ttm.Grains.Storage;

/// <summary>
/// The embedded mode's event logs in <see cref="EmbeddedState"/>: a row per event keyed (generation, seq), so a seq is never
/// stored twice; an append checks in one immediate transaction that it follows the log's last seq. Events are in Orleans'
/// versioned serialization, as in Redis. The writers' claims live in this process only: the embedded mode is one process, so no
/// writer outlives it to be fenced.
/// </summary>
public sealed class SqliteGenerationEventLog(EmbeddedState state, Serializer<GenerationEvent> serializer) : IGenerationEventLog
{
    readonly Dictionary<string, long> writers = [];

    public Task<long> ClaimAsync(string generationId)
    {
        lock (writers) return Task.FromResult(writers[generationId] = writers.GetValueOrDefault(generationId) + 1);
    }

    public Task AppendAsync(string generationId, GenerationEvent e, long writer = 0)
    {
        lock (writers)
            if (writers.GetValueOrDefault(generationId) is var current && writer < current)
                throw new GenerationLogFencedException(generationId, writer, current);
        using var connection = state.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var last = EmbeddedState.Command(connection, "SELECT COALESCE(MAX(seq), 0) FROM events WHERE generation_id = $id", ("$id", generationId)))
        {
            long at = (long)last.ExecuteScalar()!;
            if (e.Seq != at + 1)
                throw new InvalidOperationException($"Generation {generationId}'s log ends at seq {at}; seq {e.Seq} cannot follow it.");
        }
        using (var insert = EmbeddedState.Command(connection, "INSERT INTO events (generation_id, seq, payload) VALUES ($id, $seq, $payload)",
            ("$id", generationId), ("$seq", e.Seq), ("$payload", serializer.SerializeToArray(e))))
            insert.ExecuteNonQuery();
        transaction.Commit();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<GenerationEvent>> ReadAsync(string generationId, long afterSeq, long upToSeq)
    {
        using var connection = state.Open();
        using var read = EmbeddedState.Command(connection, "SELECT payload FROM events WHERE generation_id = $id AND seq > $after AND seq <= $upTo ORDER BY seq",
            ("$id", generationId), ("$after", afterSeq), ("$upTo", upToSeq));
        using var rows = read.ExecuteReader();
        var events = new List<GenerationEvent>();
        while (rows.Read())
            events.Add(serializer.Deserialize((byte[])rows[0]) ?? throw new InvalidDataException($"Generation {generationId}'s log holds an empty event."));
        return Task.FromResult<IReadOnlyList<GenerationEvent>>(events);
    }

    public Task<long> LastSeqAsync(string generationId)
    {
        using var connection = state.Open();
        using var last = EmbeddedState.Command(connection, "SELECT COALESCE(MAX(seq), 0) FROM events WHERE generation_id = $id", ("$id", generationId));
        return Task.FromResult((long)last.ExecuteScalar()!);
    }

    public Task DeleteAsync(string generationId)
    {
        using var connection = state.Open();
        using var delete = EmbeddedState.Command(connection, "DELETE FROM events WHERE generation_id = $id", ("$id", generationId));
        delete.ExecuteNonQuery();
        lock (writers) writers.Remove(generationId);
        return Task.CompletedTask;
    }
}
