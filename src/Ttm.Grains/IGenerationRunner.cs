namespace Ttm.Grains;

/// <summary>
/// The port through which a generation grain has its heavy work done (the silo implements it over the
/// in-process pipeline). It yields events without Seq/At; the grain numbers and stores them.
/// </summary>
public interface IGenerationRunner
{
    IAsyncEnumerable<GenerationEvent> RunAsync(string generationId, GenerationSpec spec, CancellationToken cancellationToken);
}
