using Ttm.Contracts;
using Ttm.Models;
using Ttm.Models.Onnx;
using Ttm.Models.Sampling;
using Ttm.Models.Text;
using Ttm.Models.Weights;
using Ttm.Pipeline.Devices;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;
using Ttm.Pipeline.Segmentation;

namespace Ttm.Pipeline;

/// <summary>
/// Everything a pipeline needs loaded once per host: both networks (with their samplers), the text encoder,
/// the segmenter, the planner, the device worker that runs every step of the networks, and the worker that runs the
/// segmenter (<see cref="SegmentationWorker"/>).
/// </summary>
public sealed class PipelineModels : IDisposable
{
    /// <param name="runtime">where the networks' passes run (<see cref="NetworkRuntimes.For"/>: default, ONNX Runtime on a CPU device)</param>
    /// <param name="encoders">the host's gate for encodes beside an accelerator (default: a gate of its own, <see cref="FairGate.ForEncodes"/>)</param>
    /// <param name="decoders">the host's decodes of uploads (default: its own, <see cref="ImageDecoders.OnePerCore"/>)</param>
    public PipelineModels(VideoDenoiser motion, VideoDenoiser video, ITextEncoder text, SamSegmenter segmenter, IPromptPlanner planner, DeviceWorker? device = null,
        NetworkRuntime? runtime = null, FairGate? encoders = null, ImageDecoders? decoders = null)
    {
        Motion = motion;
        Video = video;
        Device = device ?? new DeviceWorker();
        Runtime = runtime ?? NetworkRuntimes.For(Device.Name);
        if (Runtime == NetworkRuntime.OnnxRuntime)
        {
            // ONNX Runtime's threads are the device's: it runs on the device thread, with the cores that thread computed with,
            // and the device thread's own libtorch work between passes takes one.
            int threads = Device.Threads;
            motionOnnx = new OnnxForward(motion, threads);
            videoOnnx = new OnnxForward(video, threads);
            Device.LeaveThePassesToOnnxRuntime();
        }
        if (Runtime == NetworkRuntime.Simulated)
        {
            var cost = Models.Simulation.DeviceCostModel.Profiles[DeviceName.Parse(Device.Name).Profile];
            (motionPass, videoPass) = (new Models.Simulation.SimulatedForward(motion.Config, cost), new Models.Simulation.SimulatedForward(video.Config, cost));
            SimulatedSegmentation = new SimulatedSegmentation(cost.SegmentSeconds);
        }
        MotionSampler = StageSamplers.For(motion, motionOnnx ?? motionPass);
        VideoSampler = StageSamplers.For(video, videoOnnx ?? videoPass);
        SegmentationWorker = SegmentsOnTheDeviceThread(Device.Name) ? Device : new DeviceWorker($"{Device.Name}/segmenter", maxBatch: 1, threads: 0, metrics: Device.Metrics);
        Encodes = SegmentsOnTheDeviceThread(Device.Name) ? new DeviceEncodes(Device) : encoders ?? FairGate.ForEncodes();
        Decoders = decoders ?? ImageDecoders.OnePerCore();
        Text = text;
        Segmenter = segmenter;
        Planner = planner;
    }

    readonly OnnxForward? motionOnnx, videoOnnx;
    readonly IForwardPass? motionPass, videoPass; // a simulated device's

    public VideoDenoiser Motion { get; }
    public VideoDenoiser Video { get; }
    public NetworkRuntime Runtime { get; }
    public IStageSampler MotionSampler { get; }
    public IStageSampler VideoSampler { get; }
    public DeviceWorker Device { get; }
    public ITextEncoder Text { get; }
    public SamSegmenter Segmenter { get; }

    /// <summary>A simulated device's segmentation (timed by its cost model, masks computed once per input); null on a real device.</summary>
    public SimulatedSegmentation? SimulatedSegmentation { get; }
    public IPromptPlanner Planner { get; }

    /// <summary>
    /// Where segmentation runs, tenant-fair as the steps are. The segmenter is ONNX Runtime on the CPU: on a CPU device it
    /// shares the device thread (the same cores; its turns are the tenants' device time); on an accelerator it has a
    /// queue and thread of its own, so the accelerator's passes never wait for an image encoder on the CPU (~1.1 s each).
    /// </summary>
    public DeviceWorker SegmentationWorker { get; }

    /// <summary>
    /// Where this machine's encodes run: on a CPU device, as jobs of its worker (the same cores, in the tenant's turn);
    /// beside an accelerator, through the host's <see cref="FairGate"/>.
    /// </summary>
    public IEncodeAdmission Encodes { get; }

    /// <summary>Where this host decodes uploads (<see cref="TtmPipeline.PrepareAsync"/>, the device stages' grain).</summary>
    public ImageDecoders Decoders { get; }

    public static bool SegmentsOnTheDeviceThread(string deviceName) => DeviceName.TryParse(deviceName, out var device) && device.Kind == DeviceKind.Cpu;

    /// <summary>Which backbone runs each stage, in words (the completed event's note says it).</summary>
    public string Backbones => Motion.Config.Backbone == Video.Config.Backbone
        ? $"{Name(Motion.Config.Backbone)} backbone"
        : $"{Name(Motion.Config.Backbone)} stage 1, {Name(Video.Config.Backbone)} stage 2";

    static string Name(Backbone backbone) => backbone == Backbone.Unet ? "U-Net (DDIM, v-prediction)" : "DiT (flow matching)";

    /// <summary>Hex SHA-256 of each network's config.json and weights as loaded: what a stage checkpoint must have been made with.</summary>
    public string MotionDigest { get; init; } = "";
    public string VideoDigest { get; init; } = "";

    public string DigestOf(GenerationStage stage) => stage == GenerationStage.Motion ? MotionDigest : VideoDigest;

    /// <summary>Hex SHA-256 over a model folder's config.json and model.safetensors.</summary>
    public static string FolderDigest(string folder)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20]; // streamed: a base network's weights are 1.3 GB
        foreach (var file in new[] { "config.json", "model.safetensors" }.Select(f => Path.Combine(folder, f)).Where(File.Exists))
        {
            using var stream = File.OpenRead(file);
            for (int read; (read = stream.Read(buffer)) > 0;) hash.AppendData(buffer.AsSpan(0, read));
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>
    /// Loads <see cref="ModelFiles.Models"/>/motion and /video-ttm onto the device worker's device (cpu:0 when none
    /// is given) and the segmenter's two ONNX files. <paramref name="encoders"/> and <paramref name="decoders"/> are the host's
    /// (a silo's, from its container), or, left out, the models' own.
    /// </summary>
    public static PipelineModels Load(ModelFiles files, ITextEncoder text, IPromptPlanner planner, DeviceWorker? device = null, NetworkRuntime? runtime = null,
        FairGate? encoders = null, ImageDecoders? decoders = null)
    {
        bool ownsDevice = device is null;
        device ??= new DeviceWorker(); // first: it decides which threads compute with how many cores
        try
        {
            var target = TorchDevices.Parse(device.Name);
            // A simulated device's passes read the configuration only: its networks hold no weights.
            bool simulated = (runtime ?? NetworkRuntimes.For(device.Name)) == NetworkRuntime.Simulated;
            VideoDenoiser Network(string stage) => simulated
                ? ModelWeights.LoadShapeOnly(Path.Combine(files.Models, stage))
                : ModelWeights.LoadNetwork(Path.Combine(files.Models, stage), target);
            var motion = Network("motion");
            var video = Network("video-ttm");
            motion.eval();
            video.eval();
            if (new[] { motion, video }.FirstOrDefault(m => m.Config.MotionIsFlow) is { } flow) // serving segments masks and reads trajectories
            {
                var stage = flow.Config.Stage;
                motion.Dispose();
                video.Dispose();
                throw new InvalidDataException($"{files.Models} holds a {stage} network of the flow variant (Table 4's benchmark); serving needs the mask trajectory networks (motion/ and video-ttm/).");
            }
            // On a CPU device the segmenter runs on the device thread, so it computes with that thread's cores. Left to itself
            // ONNX Runtime counts physical cores, and on a 2-vCPU machine it chose one: the encoder took 0.92-0.98 s a
            // photograph, with the device's two 0.52-0.57 s.
            var segmenter = new SamSegmenter(files.SegmenterEncoder, files.SegmenterDecoder, SegmentsOnTheDeviceThread(device.Name) ? device.Threads : 0);
            return new PipelineModels(motion, video, text, segmenter, planner, device, runtime, encoders, decoders)
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
        if (!ReferenceEquals(SegmentationWorker, Device)) SegmentationWorker.Dispose();
        Device.Dispose();
        motionOnnx?.Dispose();
        videoOnnx?.Dispose();
        Motion.Dispose();
        Video.Dispose();
        Segmenter.Dispose();
    }
}
