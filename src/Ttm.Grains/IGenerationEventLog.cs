namespace Ttm.Grains;

/// <summary>
/// Where a generation's events are kept: append-only, numbered 1, 2, 3 … without gaps, and durable once
/// <see cref="AppendAsync"/> returns, so the grain publishes an event to watchers only after it is stored. A
/// sequence number is never taken twice: appending one the log already holds fails. The embedded default keeps
/// the logs in memory; a cluster keeps them in Redis streams (one per generation).
/// <para>
/// One writer at a time (fencing): an activation claims the log before it reads it (<see cref="ClaimAsync"/>) and
/// appends with its claim; once a later activation has claimed it (the first one's silo was declared dead, cut off, and
/// the generation driven again elsewhere), the log refuses the first one's appends, also those that arrive after the
/// partition heals. The check and the append are one atomic step in the store.
/// </para>
/// </summary>
public interface IGenerationEventLog
{
    /// <summary>Makes the caller the log's writer: returns its claim, higher than every earlier one; appends with an earlier claim are refused from now on.</summary>
    Task<long> ClaimAsync(string generationId);

    /// <param name="writer">the appending activation's claim (<see cref="ClaimAsync"/>); 0: a tool writing where no activation has claimed the log</param>
    /// <exception cref="InvalidOperationException">the log already holds this event's seq or a later one</exception>
    /// <exception cref="GenerationLogFencedException">a later writer has claimed the log</exception>
    Task AppendAsync(string generationId, GenerationEvent e, long writer = 0);

    /// <summary>The events after <paramref name="afterSeq"/> up to <paramref name="upToSeq"/> (inclusive), in order.</summary>
    Task<IReadOnlyList<GenerationEvent>> ReadAsync(string generationId, long afterSeq, long upToSeq);

    /// <summary>The last seq stored (0: none).</summary>
    Task<long> LastSeqAsync(string generationId);

    /// <summary>Removes the whole log (the generation is deleted or expired).</summary>
    Task DeleteAsync(string generationId);
}
