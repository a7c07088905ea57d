namespace Ttm.Grains;

/// <summary>
/// The port through which a generation grain has its heavy work done (the silo implements it over the
/// pipeline). It yields what happened; the grain numbers, stores and fans out each update.
/// </summary>
public interface IGenerationRunner
{
    /// <param name="continuation">null: the run from the start (up to <see cref="AwaitingReview"/> when the spec stops after
    /// motion); else the second part of a reviewed generation, the video stage on its stored trajectory</param>
    IAsyncEnumerable<GenerationUpdate> RunAsync(string generationId, GenerationSpec spec, GenerationContinuation? continuation, CancellationToken cancellationToken);
}
