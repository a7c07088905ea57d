using Ttm.Contracts;
using Ttm.Models.Sampling;

namespace Ttm.Pipeline;

/// <summary>
/// Where a generation's stage checkpoints live (the artifact store in the cluster). The device stages save one
/// every <see cref="PipelineRequest.CheckpointEvery"/> steps and, when run again for the same generation, continue
/// from the latest instead of step 0.
/// </summary>
public interface IStageCheckpoints
{
    Task SaveAsync(GenerationStage stage, StageCheckpoint checkpoint, CancellationToken cancellationToken);
    Task<StageCheckpoint?> LoadAsync(GenerationStage stage, CancellationToken cancellationToken);
}
