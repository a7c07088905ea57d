using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Models.Sampling;
using Ttm.Pipeline;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;
using Ttm.Silo.Options;

namespace Ttm.Silo.Tests;

/// <summary>The grains' contracts against the pipeline's types, the request limits against every place that states them, and the silo's settings.</summary>
public sealed class ContractsTests
{
    [Fact]
    public void TheStepCaches_AreTheModelsPolicies_AndASpecNamingOneRunsIt()
    {
        Assert.Equal(GenerationLimits.StepCaches, StepCachePolicy.Named.Select(p => p.Name));
        Assert.Equal(Enum.GetValues<StepCache>().Length, StepCachePolicy.Named.Count);
        foreach (var (cache, policy) in Enum.GetValues<StepCache>().Zip(StepCachePolicy.Named))
            Assert.Same(policy, Spec(cache).ToRequest([], "out").StepCache);
        Assert.Same(StepCachePolicy.Off, new GenerationSpec("t", "k", "p", 1, 16, 16, 1.5f, 3, 1.5f, 3, 4, 256, [VideoFormat.Mp4], [], "d", null).ToRequest([], "out").StepCache);
        static GenerationSpec Spec(StepCache cache) => new("t", "k", "p", 1, 16, 16, 1.5f, 3, 1.5f, 3, 4, 256, [VideoFormat.Mp4], [], "d", null, StepCache: cache);
    }

    [Fact]
    public void APlan_CrossesTheGrainBoundaryAndComesBackUnchanged()
    {
        var plan = new PromptPlan("the red square moves left", "moves left",
            [new ObjectPrompt("red square", "a red square moves left", "red", "square", "left"), new ObjectPrompt("thing", "a thing stays still")], "rules");
        var back = RoundTrip(new GenerationPlanned(plan)).Plan;
        Assert.Equal(plan.Prompt, back.Prompt);
        Assert.Equal(plan.MotionPrompt, back.MotionPrompt);
        Assert.Equal(plan.Planner, back.Planner);
        Assert.Equal(plan.Objects, back.Objects); // records: field by field
    }

    [Fact]
    public void TheStagesAndObjects_CrossTheGrainBoundaryAndComeBackUnchanged()
    {
        var seconds = Enum.GetValues<GenerationStage>().ToDictionary(stage => stage, stage => (double)stage + 0.5);
        Assert.Equal(seconds, RoundTrip(new GenerationCompleted(new Dictionary<string, string>(), seconds, "")).Seconds);
        foreach (var stage in Enum.GetValues<GenerationStage>())
            Assert.Equal(stage, RoundTrip(new GenerationFailed(stage, FailureCode.Internal, "")).Stage);
        SegmentedObject found = new("red square", "colour", "red blob", 42);
        Assert.Equal([found], RoundTrip(new ObjectsSegmented("g/mask.png", [found])).Objects);
    }

    /// <summary>Through Orleans' serializer, as a grain call or the event log carries it.</summary>
    static T RoundTrip<T>(T update) where T : GenerationUpdate
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer<GenerationUpdate>>();
        return Assert.IsType<T>(serializer.Deserialize(serializer.SerializeToArray(update)));
    }

    [Fact]
    public void ThePipelinesDefaultsAndLimits_AreTheGatewaysOnes()
    {
        var request = new PipelineRequest { Image = [], Prompt = "", OutputDirectory = "" };
        Assert.Equal(GenerationLimits.DefaultSteps, request.MotionSteps);
        Assert.Equal(GenerationLimits.DefaultSteps, request.VideoSteps);
        Assert.Equal(GenerationLimits.DefaultSteps, SamplingOptions.Default.Steps);
        Assert.Equal(GenerationLimits.DefaultPreviewEvery, request.PreviewEvery);
        Assert.Equal(GenerationLimits.DefaultDisplaySize, request.DisplaySize);
        Assert.Equal(new GuidanceScales(GenerationLimits.DefaultGuidanceVisual, GenerationLimits.DefaultGuidanceText), GuidanceScales.Default);
        Assert.Equal(GenerationLimits.MaxPromptCharacters, PipelineRequest.MaxPromptCharacters);
        Assert.Equal(GenerationLimits.MaxSteps, PipelineRequest.MaxSteps);
        Assert.Equal(GenerationLimits.MinDisplaySize, PipelineRequest.MinDisplaySize);
        Assert.Equal(GenerationLimits.MaxDisplaySize, PipelineRequest.MaxDisplaySize);
        Assert.Equal(GenerationLimits.MaxImageBytes, ImageInput.MaxBytes);
        Assert.Equal(GenerationLimits.MaxImageSide, ImageInput.MaxSide);
        Assert.Equal(GenerationLimits.MaxImagePixels, ImageInput.MaxPixels);
    }

    [Fact]
    public void TheProtosComments_StateTheSameLimitsAndDefaults()
    {
        var proto = File.ReadAllText(Path.Combine(Repository.Root, "src", "Ttm.Protos", "Protos", "ttm", "v1", "generation.proto"));
        foreach (var phrase in new[]
        {
            $"at most {GenerationLimits.MaxImageBytes / (1024 * 1024)} MB",
            $"1..{GenerationLimits.MaxPromptCharacters} characters",
            $"1..{GenerationLimits.MaxSteps}; 0 = {GenerationLimits.DefaultSteps}",
            $"absent = s_V {GenerationLimits.DefaultGuidanceVisual:0.0##}, s_T {GenerationLimits.DefaultGuidanceText:0.##}",
            $"0 = {GenerationLimits.DefaultPreviewEvery}; negative = none",
            $"{GenerationLimits.MinDisplaySize}..{GenerationLimits.MaxDisplaySize}; 0 = {GenerationLimits.DefaultDisplaySize}",
            $"1..{GenerationLimits.MaxListLimit}; 0 = {GenerationLimits.DefaultListLimit}",
            $"at most {GenerationLimits.MaxRequestIdCharacters} characters",
            $"reason = 2;               // optional, at most {GenerationLimits.MaxCancelReasonCharacters} characters",
            $"at most {GenerationLimits.MaxEventTextCharacters} characters (longer text is cut)",
            $"each scale 0..{GenerationLimits.MaxGuidance:0}",
            $"at most {GenerationLimits.MaxFormats}, none twice",
            $"at most {GenerationLimits.MaxHints},",
            $"each at most {GenerationLimits.MaxPointsPerHint} finite points",
            $"{GenerationLimits.MaxDeadlineSeconds:0}; 0 = no deadline",
            $"at most {GenerationLimits.MaxImageSide} px a side and {GenerationLimits.MaxImagePixels / 1_000_000} megapixels",
        })
            Assert.Contains(phrase, proto);
    }

    [Theory]
    [InlineData("Role", "gpu", "Ttm:Role must be 'accelerator' or 'plain', not 'gpu'.")]
    [InlineData("Device", "tpu:0", "Ttm:Device must name a device such as cpu:0 or cuda:0 (or sim:h100, a simulated accelerator), not 'tpu:0'.")]
    [InlineData("MaxBatch", "0", "Ttm:MaxBatch must be at least 1 (1 turns batching off), not 0.")]
    [InlineData("Models", "/nonexistent/models", "Ttm:Models names '/nonexistent/models', which is not a folder.")]
    [InlineData("DeviceThreads", "0", "Ttm:DeviceThreads must lie in 1..1024, not 0.")]
    [InlineData("AcceleratorWaitSeconds", "-1", "Ttm:AcceleratorWaitSeconds must lie in 0..3600, not -1.")]
    [InlineData("NetworkRuntime", "tensorrt", "Ttm:NetworkRuntime must be one of auto, libtorch, onnxruntime, not 'tensorrt'.")]
    public void ABadSiloSetting_StopsTheSiloAtStart_SayingWhichAndWhy(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Ttm:{key}"] = value }).Build();
        var error = Assert.Throws<OptionsValidationException>(() => SiloOptions.Read(configuration));
        Assert.Equal([message], error.Failures);
    }

    [Fact]
    public void OnnxRuntimeOnACudaDevice_StopsTheSiloAtStart()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ttm:Device"] = "cuda:0",
            ["Ttm:NetworkRuntime"] = "onnxruntime",
        }).Build();
        var error = Assert.Throws<OptionsValidationException>(() => SiloOptions.Read(configuration));
        Assert.Equal(["Ttm:NetworkRuntime onnxruntime runs on CPU devices only; the device is 'cuda:0' (write auto or libtorch)."], error.Failures);
    }

    [Fact]
    public void NoSiloSettings_MeanAnAcceleratorOnTheCpuWithTheDevicesBatch()
    {
        var options = SiloOptions.Read(new ConfigurationBuilder().Build());
        Assert.Equal(("accelerator", "cpu:0", (int?)null), (options.Role, options.Device, options.MaxBatch));
    }
}
