namespace Ttm.Grains;

/// <summary>
/// Where a generation's events are kept: append-only, numbered 1, 2, 3 … without gaps, and durable once
/// <see cref="AppendAsync"/> returns, so the grain publishes an event to watchers only after it is stored. A
/// sequence number is never taken twice: appending one the log already holds fails. The embedded default keeps
/// the logs in memory; a cluster keeps them in Redis streams (one per generation).
/// </summary>
public interface IGenerationEventLog
{
    /// <exception cref="InvalidOperationException">the log already holds this event's seq or a later one</exception>
    Task AppendAsync(string generationId, GenerationEvent e);

    /// <summary>The events after <paramref name="afterSeq"/> up to <paramref name="upToSeq"/> (inclusive), in order.</summary>
    Task<IReadOnlyList<GenerationEvent>> ReadAsync(string generationId, long afterSeq, long upToSeq);

    /// <summary>The last seq stored (0: none).</summary>
    Task<long> LastSeqAsync(string generationId);

    /// <summary>Removes the whole log (the generation is deleted or expired).</summary>
    Task DeleteAsync(string generationId);
}
