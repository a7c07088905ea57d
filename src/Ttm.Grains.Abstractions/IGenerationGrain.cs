namespace Ttm.Grains;

/// <summary>One generation as a stateful actor: started once, watched by any number of clients, cancellable.</summary>
public interface IGenerationGrain : IGrainWithStringKey
{
    /// <summary>Starts the run. Starting again with the same request digest returns the status; a different request is refused.</summary>
    Task<GenerationStatus> StartAsync(GenerationSpec spec);

    /// <summary>Every event after <paramref name="afterSeq"/> (replayed from the log), then live ones until the generation ends.</summary>
    IAsyncEnumerable<GenerationEvent> WatchAsync(long afterSeq, CancellationToken cancellationToken = default);

    /// <summary>A read that interleaves with the grain's other calls (the tenant grain asks while this one tells it of its end).</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<GenerationStatus> GetStatusAsync();

    Task<GenerationStatus> CancelAsync(string reason);

    /// <summary>
    /// Cancels the run if it is running, then removes everything the generation left: its artifacts, event log, list
    /// entry and state; watchers' streams end. Returns the bytes of artifacts freed (0: there was nothing).
    /// </summary>
    Task<long> DeleteAsync();
}
