using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Ttm.Contracts;
using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline.Encoding;

/// <summary>
/// The last stage, on any machine: streamable fragmented-MP4 pieces first (as <see cref="VideoChunk"/> events: an app
/// sees the video as soon as it is encoded), then the requested formats, the trajectory alone and over the frames, and
/// summary.json. One ffmpeg process writes them all (<see cref="VideoEncoder.WriteAllAsync"/>), in one admission by the
/// <see cref="IEncodeAdmission"/> it is given: beside a CPU device, that device's worker (<see cref="DeviceEncodes"/>);
/// elsewhere the host's <see cref="FairGate"/>.
/// </summary>
public sealed class GenerationOutputs(VideoEncoder encoder)
{
    /// <param name="seconds">the stages' seconds so far; summary.json's encode is what this call took on top of any given</param>
    /// <returns>kind → path of every artifact written</returns>
    public async Task<Dictionary<string, string>> WriteAsync(PipelineRequest request, PromptPlan plan, RenderedVideo rendered,
        IReadOnlyDictionary<GenerationStage, double> seconds, ChannelWriter<PipelineEvent> events, IEncodeAdmission admission,
        CancellationToken cancellationToken)
    {
        var encoding = Stopwatch.StartNew();
        Directory.CreateDirectory(request.OutputDirectory);
        var artifacts = new Dictionary<string, string>();
        (string Key, VideoFile File) In(string key, VideoFrames video, string name, VideoFormat format) =>
            (key, new VideoFile(video, Path.Combine(request.OutputDirectory, name), format));
        var files = request.Formats.Distinct().Select(format => format switch
        {
            VideoFormat.Mp4 => In("mp4", rendered.Video, "video.mp4", format),
            VideoFormat.WebM => In("webm", rendered.Video, "video.webm", format),
            VideoFormat.Gif => In("gif", rendered.Video, "video.gif", format),
            _ => In("png_frames", rendered.Video, "frames", format),
        }).Append(In("trajectory", rendered.Trajectory, "trajectory.mp4", VideoFormat.Mp4))
          .Append(In("overlay", rendered.Video.Overlay(rendered.Trajectory), "overlay.mp4", VideoFormat.Mp4))
          .ToList();

        // One admission, one process: the streamed MP4 and every file. The chunks go out first.
        var (chunks, paths) = await admission.RunAsync(request.Tenant, request.Priority, async () =>
        {
            var encode = Stopwatch.StartNew();
            try
            {
                return await encoder.WriteAllAsync(rendered.Video, files.Select(f => f.File).ToList(), cancellationToken);
            }
            finally
            {
                request.Meter.Add(encode.Elapsed.TotalSeconds); // the tenant's, whether it finished or not
            }
        }, cancellationToken);
        for (int i = 0; i < chunks.Count; i++)
            await events.WriteAsync(new VideoChunk(i, chunks[i], i == chunks.Count - 1), cancellationToken);
        for (int i = 0; i < files.Count; i++) artifacts[files[i].Key] = paths[i];

        var summary = Path.Combine(request.OutputDirectory, "summary.json");
        artifacts["summary"] = summary;
        await File.WriteAllTextAsync(summary, JsonSerializer.Serialize(new
        {
            prompt = plan.Prompt, plan, seed = request.Seed, objects = rendered.Objects,
            seconds = new Dictionary<GenerationStage, double>(seconds) { [GenerationStage.Encode] = seconds.GetValueOrDefault(GenerationStage.Encode) + encoding.Elapsed.TotalSeconds }
                .ToDictionary(kv => kv.Key.Name(), kv => Math.Round(kv.Value, 3)),
            artifacts = artifacts.ToDictionary(kv => kv.Key, kv => Path.GetRelativePath(request.OutputDirectory, kv.Value)), // beside it: no server path leaves
        }, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        return artifacts;
    }
}
