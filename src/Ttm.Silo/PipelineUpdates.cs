using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Pipeline;
using Ttm.Pipeline.Encoding;

namespace Ttm.Silo;

/// <summary>
/// The pipeline's partial results as grain updates, the one mapper across that boundary: each payload is stored
/// under "{id}/…" in the shared artifact store and the update names its key.
/// </summary>
sealed class PipelineUpdates(IArtifactStore store, string generationId)
{
    public async Task<GenerationUpdate> StoreAsync(PipelineEvent e, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case PlanReady p:
                return new GenerationPlanned(p.Plan);
            case SegmentationReady s:
                var maskKey = $"{generationId}/segmentation.png";
                await store.PutAsync(maskKey, s.MaskPng, cancellationToken);
                return new ObjectsSegmented(maskKey, s.Objects.Select(o => o.Summary()).ToList());
            case StagePreview p:
                var previewKey = $"{generationId}/previews/{p.Stage.Name()}-{p.Step:D3}.png";
                await store.PutAsync(previewKey, VideoEncoder.Png(p.Frames.Strip(), 0), cancellationToken);
                return p.Stage == GenerationStage.Motion ? new MotionPreviewed(p.Step, p.Steps, previewKey) : new VideoPreviewed(p.Step, p.Steps, previewKey);
            case MotionDone m:
                var trajectoryKey = $"{generationId}/trajectory.png";
                await store.PutAsync(trajectoryKey, VideoEncoder.Png(m.Trajectory.Strip(), 0), cancellationToken);
                return new TrajectoryFinished(trajectoryKey);
            case VideoChunk c:
                var chunkKey = $"{generationId}/chunks/{c.Index:D4}.mp4";
                await store.PutAsync(chunkKey, c.Bytes, cancellationToken);
                return new VideoChunkStored(c.Index, chunkKey, c.IsLast);
            case Failed f:
                return new GenerationFailed(f.Stage, FailureCode.Internal, f.Reason);
            default:
                throw new InvalidOperationException($"{e.GetType().Name} is not a partial result the grains store.");
        }
    }
}
