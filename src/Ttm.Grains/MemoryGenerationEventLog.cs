namespace Ttm.Grains;

/// <summary>The embedded default's event logs: in this process's memory, gone with it.</summary>
public sealed class MemoryGenerationEventLog : IGenerationEventLog
{
    readonly Dictionary<string, List<GenerationEvent>> logs = [];

    public Task AppendAsync(string generationId, GenerationEvent e)
    {
        lock (logs)
        {
            if (!logs.TryGetValue(generationId, out var log)) logs[generationId] = log = [];
            long last = log.Count == 0 ? 0 : log[^1].Seq;
            if (e.Seq != last + 1)
                throw new InvalidOperationException($"Generation {generationId}'s log ends at seq {last}; seq {e.Seq} cannot follow it.");
            log.Add(e);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<GenerationEvent>> ReadAsync(string generationId, long afterSeq, long upToSeq)
    {
        lock (logs)
            return Task.FromResult<IReadOnlyList<GenerationEvent>>(logs.TryGetValue(generationId, out var log)
                ? log.Where(e => e.Seq > afterSeq && e.Seq <= upToSeq).ToList()
                : []);
    }

    public Task DeleteAsync(string generationId)
    {
        lock (logs) logs.Remove(generationId);
        return Task.CompletedTask;
    }

    public Task<long> LastSeqAsync(string generationId)
    {
        lock (logs) return Task.FromResult(logs.TryGetValue(generationId, out var log) && log.Count > 0 ? log[^1].Seq : 0L);
    }
}
