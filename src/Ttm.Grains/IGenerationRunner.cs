namespace Ttm.Grains;

/// <summary>
/// The port through which a generation grain has its heavy work done (the silo implements it over the
/// pipeline). It yields what happened; the grain numbers, stores and fans out each update.
/// </summary>
public interface IGenerationRunner
{
    IAsyncEnumerable<GenerationUpdate> RunAsync(string generationId, GenerationSpec spec, CancellationToken cancellationToken);
}
