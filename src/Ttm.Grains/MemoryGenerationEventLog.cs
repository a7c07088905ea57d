namespace Ttm.Grains;

/// <summary>The embedded default's event logs: in this process's memory, gone with it.</summary>
public sealed class MemoryGenerationEventLog : IGenerationEventLog
{
    readonly Dictionary<string, List<GenerationEvent>> logs = [];
    readonly Dictionary<string, long> writers = [];

    public Task<long> ClaimAsync(string generationId)
    {
        lock (logs) return Task.FromResult(writers[generationId] = writers.GetValueOrDefault(generationId) + 1);
    }

    public Task AppendAsync(string generationId, GenerationEvent e, long writer = 0)
    {
        lock (logs)
        {
            if (writers.GetValueOrDefault(generationId) is var current && writer < current)
                throw new GenerationLogFencedException(generationId, writer, current);
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
        lock (logs)
        {
            logs.Remove(generationId);
            writers.Remove(generationId);
        }
        return Task.CompletedTask;
    }

    public Task<long> LastSeqAsync(string generationId)
    {
        lock (logs) return Task.FromResult(logs.TryGetValue(generationId, out var log) && log.Count > 0 ? log[^1].Seq : 0L);
    }
}
