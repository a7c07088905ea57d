using System.Text.Json;
using System.Threading.Channels;
using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline.Encoding;

/// <summary>
/// The last stage, on any machine: the requested formats, the trajectory alone and over the frames, streamable
/// fragmented-MP4 pieces (as <see cref="VideoChunk"/> events), and summary.json. Encodes are admitted through one
/// <see cref="FairGate"/> per process, half the cores at once, tenants in turn.
/// </summary>
public sealed class GenerationOutputs(VideoEncoder encoder)
{
    static readonly FairGate Encoders = new(Environment.ProcessorCount / 2);

    /// <returns>kind → path of every artifact written</returns>
    public async Task<Dictionary<string, string>> WriteAsync(PipelineRequest request, PromptPlan plan, RenderedVideo rendered,
        IReadOnlyDictionary<PipelineStage, double> seconds, ChannelWriter<PipelineEvent> events, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(request.OutputDirectory);
        var artifacts = new Dictionary<string, string>();
        using var admitted = await Encoders.EnterAsync(request.Tenant, cancellationToken);
        foreach (var format in request.Formats.Distinct())
        {
            var (key, name) = format switch
            {
                VideoFormat.Mp4 => ("mp4", "video.mp4"),
                VideoFormat.WebM => ("webm", "video.webm"),
                VideoFormat.Gif => ("gif", "video.gif"),
                _ => ("png_frames", "frames"),
            };
            artifacts[key] = await encoder.WriteAsync(rendered.Video, Path.Combine(request.OutputDirectory, name), format, cancellationToken);
        }
        artifacts["trajectory"] = await encoder.WriteAsync(rendered.Trajectory, Path.Combine(request.OutputDirectory, "trajectory.mp4"), VideoFormat.Mp4, cancellationToken);
        artifacts["overlay"] = await encoder.WriteAsync(rendered.Video.Overlay(rendered.Trajectory), Path.Combine(request.OutputDirectory, "overlay.mp4"), VideoFormat.Mp4, cancellationToken);
        var chunks = await encoder.FragmentedMp4Async(rendered.Video, cancellationToken);
        for (int i = 0; i < chunks.Count; i++)
            await events.WriteAsync(new VideoChunk(i, chunks[i], i == chunks.Count - 1), cancellationToken);

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
