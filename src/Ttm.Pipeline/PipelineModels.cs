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

    /// <summary>Hex SHA-256 of each network's config.json and weights as loaded: what a stage checkpoint must have been made with.</summary>
    public string MotionDigest { get; init; } = "";
    public string VideoDigest { get; init; } = "";

    public string DigestOf(PipelineStage stage) => stage == PipelineStage.Motion ? MotionDigest : VideoDigest;

    /// <summary>Hex SHA-256 over a model folder's config.json and model.safetensors.</summary>
    public static string FolderDigest(string folder)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var file in new[] { "config.json", "model.safetensors" }.Select(f => Path.Combine(folder, f)).Where(File.Exists))
            hash.AppendData(File.ReadAllBytes(file));
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>
    /// Loads <see cref="ModelFiles.Models"/>/motion and /video-ttm onto the device worker's device (cpu:0 when none
    /// is given) and the segmenter's two ONNX files.
    /// </summary>
    public static PipelineModels Load(ModelFiles files, ITextEncoder text, IPromptPlanner planner, DeviceWorker? device = null)
    {
        bool ownsDevice = device is null;
        device ??= new DeviceWorker(); // first: it decides which threads compute with how many cores
        try
        {
            var target = TorchDevices.Parse(device.Name);
            var motion = ModelWeights.Load(Path.Combine(files.Models, "motion"), target);
            var video = ModelWeights.Load(Path.Combine(files.Models, "video-ttm"), target);
            motion.eval();
            video.eval();
            var segmenter = new SamSegmenter(files.SegmenterEncoder, files.SegmenterDecoder);
            return new PipelineModels(motion, video, text, segmenter, planner, device)
            {
                MotionDigest = FolderDigest(Path.Combine(files.Models, "motion")),
                VideoDigest = FolderDigest(Path.Combine(files.Models, "video-ttm")),
            };
        }
        catch
        {
            if (ownsDevice) device.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Device.Dispose();
        Motion.Dispose();
        Video.Dispose();
        Segmenter.Dispose();
    }
}
