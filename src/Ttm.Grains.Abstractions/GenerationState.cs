namespace Ttm.Grains;

/// <summary>
/// Where a generation is in its life; while it runs, <see cref="GenerationStatus.Stage"/> says in which stage. A generation
/// asked to stop after motion (<see cref="GenerationSpec.StopAfterMotion"/>) rests in <see cref="AwaitingReview"/> with its
/// trajectory until Continue runs the video stage on it, or the tenant's time-to-live removes it.
/// </summary>
public enum GenerationState { Queued, Running, Completed, Failed, Cancelled, AwaitingReview } // values are stored: append only

public static class GenerationStates
{
    public static bool IsTerminal(this GenerationState state) => state is GenerationState.Completed or GenerationState.Failed or GenerationState.Cancelled;

    /// <summary>Nothing runs for it: it ended, or it awaits review. Watch streams end here (Continue's stream follows the rest).</summary>
    public static bool IsIdle(this GenerationState state) => state.IsTerminal() || state == GenerationState.AwaitingReview;
}
