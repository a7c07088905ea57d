namespace Ttm.Grains;

/// <summary>One generation as a stateful actor: started once, watched by any number of clients, cancellable.</summary>
public interface IGenerationGrain : IGrainWithStringKey
{
    /// <summary>Starts the run. Starting again with the same request digest returns the status; a different request is refused.</summary>
    Task<GenerationStatus> StartAsync(GenerationSpec spec);

    /// <summary>Every event after <paramref name="afterSeq"/> (replayed from the log), then live ones until the generation ends.</summary>
    IAsyncEnumerable<GenerationEvent> WatchAsync(long afterSeq, CancellationToken cancellationToken = default);

    Task<GenerationStatus> GetStatusAsync();

    Task<GenerationStatus> CancelAsync(string reason);
}
