namespace Ttm.Training.Benchmark;

/// <summary>Where a quality run's mask trajectory ŝ comes from: what stage 2 is given to follow.</summary>
public enum MotionSource
{
    /// <summary>Stage 1 from the sentence (the served pipeline).</summary>
    Text,

    /// <summary>Every object dragged along its true path (<see cref="Ttm.Models.Generation.MotionPaths"/>): stage 1 not run.</summary>
    Paths,

    /// <summary>A mixed request: the even plan objects (1st, 3rd, …) dragged along their true paths, the others from stage 1 with
    /// those drawn over it. A single-object case is then dragged alone, as <see cref="Paths"/>.</summary>
    MixedPaths,

    /// <summary>The world's own mask frames: stage 2 on the true trajectory, the reference a drawn one is held to.</summary>
    TrueMasks,
}
