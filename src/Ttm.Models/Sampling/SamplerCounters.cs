namespace Ttm.Models.Sampling;

/// <summary>
/// What a <see cref="FlowSampler"/> has run so far: request-steps, those that skipped the blocks after the first
/// (<see cref="StepCachePolicy"/>) and those that reused the settled guidance term (<see cref="GuidanceReuse"/>),
/// block forwards per request-step (one for a skipped step, all for a full one) and the same per row of the batch.
/// </summary>
public sealed record SamplerCounters(long Steps, long CachedSteps, long GuidanceReuses, long BlockForwards, long RowBlockForwards);
