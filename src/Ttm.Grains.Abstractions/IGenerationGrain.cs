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

    /// <summary>Cancels a running generation within one step, or one awaiting review at once.</summary>
    Task<GenerationStatus> CancelAsync(string reason);

    /// <summary>
    /// Runs the video stage of a generation awaiting review on its trajectory, with the objects of <paramref name="paths"/>
    /// (per plan object: t, x, y, scale for each point in image pixels, or null) moved along their edited paths, and
    /// <paramref name="seed"/> (null: the request's). Once: the first Continue moves it on, any later one is refused.
    /// Returns the seq of its <see cref="AwaitingReview"/> event, after which the continued run's events follow.
    /// </summary>
    /// <exception cref="InvalidOperationException">it does not await review (never asked to stop after motion, continued already, ended)</exception>
    /// <exception cref="ArgumentException">a path names no object of the plan, or leaves the image; nothing is stored</exception>
    Task<long> ContinueAsync(long? seed, IReadOnlyList<IReadOnlyList<float>?> paths);

    /// <summary>
    /// What a variation of this generation starts from. Only one with a stored trajectory: awaiting review, or completed.
    /// </summary>
    /// <exception cref="InvalidOperationException">it has no trajectory to vary (running, failed, cancelled, or a TI2V run without one)</exception>
    Task<VariationSource> VariationSourceAsync();

    /// <summary>
    /// Starts the run as a variation of <see cref="GenerationSpec.VariationOf"/>: the video stage only, with
    /// <paramref name="continuation"/>'s seed, paths and plan, on the trajectory already copied into this generation's store.
    /// Starting again with the same request digest returns the status; a different request is refused.
    /// </summary>
    /// <exception cref="InvalidOperationException">this id already holds another request</exception>
    Task<GenerationStatus> StartVariationAsync(GenerationSpec spec, GenerationContinuation continuation);

    /// <summary>
    /// Cancels the run if it is running, then removes everything the generation left: its artifacts, event log, list
    /// entry and state; watchers' streams end. Returns the bytes of artifacts freed (0: there was nothing).
    /// </summary>
    Task<long> DeleteAsync();
}
