namespace Ttm.Grains;

/// <summary>Where a generation is in its life; while it runs, <see cref="GenerationStatus.Stage"/> says in which stage.</summary>
public enum GenerationState { Queued, Running, Completed, Failed, Cancelled }

public static class GenerationStates
{
    public static bool IsTerminal(this GenerationState state) => state is GenerationState.Completed or GenerationState.Failed or GenerationState.Cancelled;
}
