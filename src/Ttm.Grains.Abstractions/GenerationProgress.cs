namespace Ttm.Grains;

/// <summary>
/// How far a generation is, 0..100, from its events alone (so every gateway and a grain activated again agree): plan and
/// segmentation up to 5, stage 1's steps up to 45, stage 2's up to 90, the video chunks 95, completed 100. Steps are what
/// costs; a stage's share follows its previews, so a request with previews off moves in stage-sized jumps.
/// </summary>
public static class GenerationProgress
{
    public const int Completed = 100;

    public static int After(int percent, GenerationUpdate update) => Math.Max(percent, update switch
    {
        GenerationAccepted => 0,
        GenerationPlanned => 2,
        ObjectsSegmented => 5,
        MotionPreviewed p => 5 + Share(40, p.Step, p.Steps),
        TrajectoryFinished => 45,
        VideoPreviewed p => 45 + Share(45, p.Step, p.Steps),
        VideoChunkStored => 95,
        GenerationCompleted => Completed,
        _ => percent, // failed or cancelled: where it stopped
    });

    static int Share(int span, int step, int steps) => steps <= 0 ? 0 : span * Math.Clamp(step, 0, steps) / steps;
}
