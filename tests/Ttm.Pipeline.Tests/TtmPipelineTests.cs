using FFMpegCore;
using Ttm.Contracts;
using Ttm.Models.Generation;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Segmentation;

namespace Ttm.Pipeline.Tests;

[Collection(PipelineCollection.Name)]
public sealed class TtmPipelineTests(PipelineFixture fixture) : IDisposable
{
    readonly string output = Directory.CreateTempSubdirectory("ttm-pipeline-").FullName;

    public void Dispose() => Directory.Delete(output, recursive: true);

    async Task<List<PipelineEvent>> Run(PipelineRequest request, CancellationToken cancellationToken = default)
    {
        var events = new List<PipelineEvent>();
        await foreach (var e in fixture.Pipeline.RunAsync(request, cancellationToken)) events.Add(e);
        return events;
    }

    [Fact]
    public async Task Generation_StreamsEveryStageInOrder_AndTheChunksMakeAValidMp4()
    {
        var events = await Run(PipelineFixture.Request(PipelineFixture.Sample, "The red square moves right while the white square slides down slowly.", output));
        var kinds = events.Select(e => e.GetType().Name).ToList();
        var runs = kinds.Where((k, i) => i == 0 || kinds[i - 1] != k); // consecutive repeats collapsed
        Assert.Equal(["PlanReady", "SegmentationReady", "StagePreview", "MotionDone", "StagePreview", "VideoChunk", "Completed"], runs);
        Assert.All(events.OfType<StagePreview>().TakeWhile(p => p.Stage == GenerationStage.Motion), p => Assert.Equal(GenerationStage.Motion, p.Stage));
        Assert.Equal(GenerationStage.Video, events.OfType<StagePreview>().Last().Stage);

        var plan = ((PlanReady)events[0]).Plan;
        Assert.Equal(["red square", "white square"], plan.Objects.Select(o => o.Name));
        var segmentation = events.OfType<SegmentationReady>().Single();
        Assert.All(segmentation.Objects, o => Assert.True(o.Mask is { Area: > 0 }, $"{o.Name} was not found ({o.Method})"));

        var completed = events.OfType<Completed>().Single();
        var mp4 = await FFProbe.AnalyseAsync(completed.Artifacts["mp4"]);
        Assert.Equal(64, mp4.PrimaryVideoStream!.Width);
        Assert.True(File.Exists(completed.Artifacts["trajectory"]) && File.Exists(completed.Artifacts["summary"]));
        var joined = Path.Combine(output, "joined.mp4");
        await File.WriteAllBytesAsync(joined, events.OfType<VideoChunk>().OrderBy(c => c.Index).SelectMany(c => c.Bytes).ToArray());
        Assert.Equal("h264", (await FFProbe.AnalyseAsync(joined)).PrimaryVideoStream!.CodecName);
        Assert.True(events.OfType<VideoChunk>().Last().IsLast);
    }

    [Theory]
    [InlineData("coffee.png")]
    [InlineData("hubble_deep_field.jpg")]
    public async Task ARealPhotograph_YieldsAValidMp4(string photo)
    {
        var image = await File.ReadAllBytesAsync(Path.Combine(Repository.Root, "artifacts", "photos", photo));
        var events = await Run(PipelineFixture.Request(image, "The white cup slides to the left slowly.", output, steps: 2));
        var completed = Assert.IsType<Completed>(events[^1]);
        var info = await FFProbe.AnalyseAsync(completed.Artifacts["mp4"]);
        Assert.Equal("h264", info.PrimaryVideoStream!.CodecName);
        Assert.Equal(1.0, info.Duration.TotalSeconds, 1);
    }

    [Fact]
    public async Task Cancelling_DuringTheMotionStage_StopsWithinOneStep()
    {
        using var cts = new CancellationTokenSource();
        var request = PipelineFixture.Request(PipelineFixture.Sample, "The red square moves right.", output, steps: 40) with { PreviewEvery = 1 };
        int previewsAfterCancel = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in fixture.Pipeline.RunAsync(request, cts.Token))
            {
                if (e is StagePreview p)
                {
                    if (cts.IsCancellationRequested) previewsAfterCancel++;
                    if (p.Step == 3) cts.Cancel();
                }
            }
        });
        Assert.InRange(previewsAfterCancel, 0, 1);
        Assert.False(File.Exists(Path.Combine(output, "video.mp4")));
    }

    public static TheoryData<string, byte[], string> BadInputs() => new()
    {
        { "corrupt bytes", [1, 2, 3, 4, 5, 6, 7, 8], "not an image" },
        { "text file", "hello, this is not a picture"u8.ToArray(), "not an image" },
        { "empty file", [], "empty" },
        { "truncated PNG", PipelineFixture.Sample[..(PipelineFixture.Sample.Length / 2)], "truncated" },
        { "dimension bomb", DimensionBomb(), "claims 100000×100000" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadImages_AreRefusedWithAClearMessage(string name, byte[] image, string message)
    {
        var error = await Assert.ThrowsAsync<InvalidImageException>(() => Run(PipelineFixture.Request(image, "The red square moves right.", output)));
        Assert.Contains(message, error.Message);
        Assert.False(string.IsNullOrWhiteSpace(name));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    public async Task EmptyPrompts_AreRefused(string prompt, string message)
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => Run(PipelineFixture.Request(PipelineFixture.Sample, prompt, output)));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task AHundredKilobytePrompt_IsRefused()
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => Run(PipelineFixture.Request(PipelineFixture.Sample, new string('a', 100_000), output)));
        Assert.Contains("100000 characters", error.Message);
    }

    [Fact]
    public async Task MoreObjectsThanTheModelSupports_AreRefused()
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => Run(PipelineFixture.Request(PipelineFixture.Sample,
            "The red square moves right, the white square falls, the blue ball rises and the green box drifts left.", output)));
        Assert.Contains("4 objects", error.Message);
    }

    /// <summary>A valid PNG signature and IHDR that claims 100000 × 100000 pixels, with no pixel data.</summary>
    static byte[] DimensionBomb()
    {
        var png = new List<byte>([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new List<byte>("IHDR"u8.ToArray());
        ihdr.AddRange(BigEndian(100_000));
        ihdr.AddRange(BigEndian(100_000));
        ihdr.AddRange([8, 2, 0, 0, 0]);
        png.AddRange(BigEndian(13));
        png.AddRange(ihdr);
        png.AddRange(BigEndian(Crc32(ihdr.ToArray())));
        return png.ToArray();
    }

    static byte[] BigEndian(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>Per frame, the centroid x of the red pixels of (T, H, W, 3) frames (NaN where none).</summary>
    static double[] RedX(int frames, int width, int height, Func<int, int, int, (byte R, byte G, byte B)> pixel) =>
        Enumerable.Range(0, frames).Select(f =>
        {
            var xs = (from y in Enumerable.Range(0, height) from x in Enumerable.Range(0, width)
                      let c = pixel(f, x, y) where c.R > 150 && c.G < 100 && c.B < 100 select (double)x).ToList();
            return xs.Count == 0 ? double.NaN : xs.Average();
        }).ToArray();

    [Fact]
    public async Task EveryObjectDragged_SkipsStageOne_AndTheRedSquareFollowsItsPath_InTheTrajectoryAndTheVideo()
    {
        var sample = ImageInput.Decode(PipelineFixture.Sample);
        var red = RedX(1, sample.Width, sample.Height, (_, x, y) => sample[x, y])[0];
        float startX = (float)red, y = sample.Height / 2f;
        var request = PipelineFixture.Request(PipelineFixture.Sample, "The red square moves right while the white square slides down slowly.", output) with
        {
            Formats = [VideoFormat.Mp4, VideoFormat.PngFrames],
            Hints =
            [
                new ObjectHint([], null, new MotionPath([new PathPoint(0f, startX, y), new PathPoint(1f, Math.Min(sample.Width - 1, startX + 40), y)])),
                new ObjectHint([], null, new MotionPath([new PathPoint(0f, 20f, 20f), new PathPoint(1f, 20f, 20f)])), // the white one stays
            ],
        };
        var events = await Run(request);
        var completed = Assert.IsType<Completed>(events[^1]);
        Assert.DoesNotContain(events, e => e is StagePreview { Stage: GenerationStage.Motion }); // no stage-1 step ran

        var trajectory = events.OfType<MotionDone>().Single().Trajectory;
        var drawn = RedX(trajectory.Frames, trajectory.Width, trajectory.Height, (f, x, y) =>
        {
            int i = ((f * trajectory.Height + y) * trajectory.Width + x) * 3;
            return (trajectory.Pixels[i], trajectory.Pixels[i + 1], trajectory.Pixels[i + 2]);
        });
        Assert.True(drawn[^1] - drawn[0] > 10 * trajectory.Width / 64.0, $"the trajectory's red object went from x {drawn[0]:F1} to {drawn[^1]:F1}");

        var frames = Directory.GetFiles(completed.Artifacts["png_frames"], "*.png").Order().Select(f => ImageInput.Decode(File.ReadAllBytes(f))).ToList();
        var video = frames.Select(f => RedX(1, f.Width, f.Height, (_, x, y) => f[x, y])[0]).ToList();
        Assert.True(video[^1] - video[0] > 5 * frames[0].Width / 64.0, $"the video's red object went from x {video[0]:F1} to {video[^1]:F1}");
    }
}
