using System.Text.Json;
using System.Threading.Channels;
using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline.Encoding;

/// <summary>
/// The last stage, on any machine: streamable fragmented-MP4 pieces first (as <see cref="VideoChunk"/> events: an app
/// sees the video as soon as it is encoded), then the requested formats, the trajectory alone and over the frames, and
/// summary.json. Each encode is admitted by the <see cref="IEncodeAdmission"/> it is given: beside a CPU device, that
/// device's worker (<see cref="DeviceEncodes"/>); elsewhere the process's <see cref="FairGate.Encoders"/>.
/// </summary>
public sealed class GenerationOutputs(VideoEncoder encoder)
{
    /// <returns>kind → path of every artifact written</returns>
    public async Task<Dictionary<string, string>> WriteAsync(PipelineRequest request, PromptPlan plan, RenderedVideo rendered,
        IReadOnlyDictionary<PipelineStage, double> seconds, ChannelWriter<PipelineEvent> events, IEncodeAdmission admission,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(request.OutputDirectory);
        var artifacts = new Dictionary<string, string>();
        Task<T> Admitted<T>(Func<Task<T>> encode) => admission.RunAsync(request.Tenant, request.Priority, encode, cancellationToken);

        var chunks = await Admitted(() => encoder.FragmentedMp4Async(rendered.Video, cancellationToken));
        for (int i = 0; i < chunks.Count; i++)
            await events.WriteAsync(new VideoChunk(i, chunks[i], i == chunks.Count - 1), cancellationToken);
        foreach (var format in request.Formats.Distinct())
        {
            var (key, name) = format switch
            {
                VideoFormat.Mp4 => ("mp4", "video.mp4"),
                VideoFormat.WebM => ("webm", "video.webm"),
                VideoFormat.Gif => ("gif", "video.gif"),
                _ => ("png_frames", "frames"),
            };
            artifacts[key] = await Admitted(() => encoder.WriteAsync(rendered.Video, Path.Combine(request.OutputDirectory, name), format, cancellationToken));
        }
        artifacts["trajectory"] = await Admitted(() => encoder.WriteAsync(rendered.Trajectory, Path.Combine(request.OutputDirectory, "trajectory.mp4"), VideoFormat.Mp4, cancellationToken));
        artifacts["overlay"] = await Admitted(() => encoder.WriteAsync(rendered.Video.Overlay(rendered.Trajectory), Path.Combine(request.OutputDirectory, "overlay.mp4"), VideoFormat.Mp4, cancellationToken));

        var summary = Path.Combine(request.OutputDirectory, "summary.json");
        artifacts["summary"] = summary;
        await File.WriteAllTextAsync(summary, JsonSerializer.Serialize(new
        {
            prompt = plan.Prompt, plan, seed = request.Seed, objects = rendered.Objects,
            seconds = seconds.ToDictionary(kv => kv.Key.Name(), kv => Math.Round(kv.Value, 3)), artifacts,
        }, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        return artifacts;
    }
}
