namespace Ttm.Grains;

/// <summary>
/// An append from a writer that has been replaced: a later activation claimed the generation's log (<see cref="IGenerationEventLog.ClaimAsync"/>),
/// so this one's silo was taken for dead and the generation is driven elsewhere. The append is refused, and the writer stops.
/// </summary>
public sealed class GenerationLogFencedException(string generationId, long writer, long current)
    : Exception($"Generation {generationId}'s log refused an append from writer {writer}: writer {current} has claimed it since.")
{
    public long Writer { get; } = writer;
    public long Current { get; } = current;
}
