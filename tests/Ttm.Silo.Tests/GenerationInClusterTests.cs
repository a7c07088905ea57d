using System.Diagnostics;
using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Hosting;
using Ttm.Silo.Placement;

namespace Ttm.Silo.Tests;

/// <summary>A real generation through a grain in an in-process Cluster: the pipeline runner, the artifact Store, the event log.</summary>
public sealed class GenerationInClusterTests() : ClusterTest(1, _ => SiloRole.Accelerator)
{
    static readonly string Root = Repository.Root;

    [Fact]
    public async Task AGeneration_StreamsItsStagesThroughTheGrain_AndItsChunksAreStored()
    {
        var artifacts = new DirectoryArtifactStore(Store);
        var grain = Cluster.Client.GetGrain<IGenerationGrain>("gen-e2e");
        await grain.StartAsync(new GenerationSpec("tenant-a", "inputs/sample.png", "The red square moves right while the white square slides down slowly.",
            3, 4, 4, 1.5f, 3f, 1.5f, 3f, 2, 64, [VideoFormat.Mp4], [], "digest", null));

        var events = new List<GenerationEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await foreach (var e in grain.WatchAsync(0, timeout.Token).WithCancellation(timeout.Token))
            events.Add(e);

        var completed = Assert.IsType<GenerationCompleted>(events[^1].Update);
        var kinds = events.Select(e => e.Update.GetType()).ToList();
        Assert.True(kinds.IndexOf(typeof(GenerationPlanned)) < kinds.IndexOf(typeof(ObjectsSegmented)));
        Assert.True(kinds.IndexOf(typeof(TrajectoryFinished)) < kinds.IndexOf(typeof(VideoChunkStored)));
        Assert.Contains(typeof(MotionPreviewed), kinds);
        Assert.Contains(typeof(VideoPreviewed), kinds);
        Assert.Equal(["red square", "white square"], events.Select(e => e.Update).OfType<ObjectsSegmented>().Single().Objects.Select(o => o.Name));
        Assert.Equal(["red square", "white square"], events.Select(e => e.Update).OfType<GenerationPlanned>().Single().Plan.Objects.Select(o => o.Name));
        var chunks = events.Select(e => e.Update).OfType<VideoChunkStored>().OrderBy(c => c.Index).ToList();
        var mp4 = Path.Combine(Store, "joined.mp4");
        await File.WriteAllBytesAsync(mp4, (await Task.WhenAll(chunks.Select(c => artifacts.GetAsync(c.ChunkKey, CancellationToken.None)))).SelectMany(b => b).ToArray());
        using var probe = Process.Start(new ProcessStartInfo("ffprobe", $"-v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 {mp4}") { RedirectStandardOutput = true })!;
        Assert.Equal("h264", (await probe.StandardOutput.ReadToEndAsync()).Trim());
        Assert.True(File.Exists(artifacts.PathOf(completed.Artifacts["mp4"])));
        // The summary, written on the encoding silo, names the objects the accelerator silo grounded.
        using var summary = System.Text.Json.JsonDocument.Parse(await artifacts.GetAsync(completed.Artifacts["summary"], CancellationToken.None));
        Assert.Equal([GenerationStage.Plan, GenerationStage.Segment, GenerationStage.Motion, GenerationStage.Video, GenerationStage.Encode], completed.Seconds.Keys.Order());
        Assert.Equal(["red square", "white square"], summary.RootElement.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("Name").GetString()));
        Assert.All(summary.RootElement.GetProperty("objects").EnumerateArray(), o => Assert.True(o.GetProperty("Area").GetInt32() > 0));
    }
}
