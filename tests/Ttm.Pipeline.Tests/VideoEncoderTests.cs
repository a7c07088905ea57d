using System.Threading.Channels;
using FFMpegCore;
using Ttm.Contracts;
using Ttm.Pipeline.Devices;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline.Tests;

public sealed class VideoEncoderTests : IDisposable
{
    readonly string directory = Directory.CreateTempSubdirectory("ttm-encode-").FullName;
    readonly VideoEncoder encoder = new();

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <summary>A white square moving right (or down) on grey, 8 frames of 64×64.</summary>
    static VideoFrames MovingSquare(int frames = 8, int size = 64, bool down = false)
    {
        var pixels = new byte[frames * size * size * 3];
        Array.Fill(pixels, (byte)80);
        int side = size / 4, step = size / 16;
        for (int t = 0; t < frames; t++)
        for (int a = 0; a < side; a++)
        for (int b = 0; b < side; b++)
        {
            var (x, y) = down ? (20 * size / 64 + a, step + step * t + b) : (step + step * t + a, 20 * size / 64 + b);
            for (int c = 0; c < 3; c++) pixels[((t * size + y) * size + x) * 3 + c] = 250;
        }
        return new VideoFrames(frames, size, size, pixels);
    }

    [Theory]
    [InlineData(VideoFormat.Mp4, "video.mp4", "h264")]
    [InlineData(VideoFormat.WebM, "video.webm", "vp9")]
    [InlineData(VideoFormat.Gif, "video.gif", "gif")]
    public async Task Write_ProducesAFileFfprobeReadsWithAllFrames(VideoFormat format, string name, string codec)
    {
        var (_, paths) = await encoder.WriteAllAsync(MovingSquare(), [new VideoFile(MovingSquare(), Path.Combine(directory, name), format)], CancellationToken.None);
        var path = paths[0];
        var info = await FFProbe.AnalyseAsync(path);
        Assert.Equal(codec, info.PrimaryVideoStream!.CodecName);
        Assert.Equal(64, info.PrimaryVideoStream.Width);
        Assert.Equal(1.0, info.Duration.TotalSeconds, 1); // 8 frames at 8 fps
        if (format == VideoFormat.Mp4) Assert.Equal("yuv420p", info.PrimaryVideoStream.PixelFormat);
    }

    [Fact]
    public async Task StreamedMp4_ChunksConcatenateToAPlayableVideo()
    {
        var (chunks, _) = await encoder.WriteAllAsync(MovingSquare(16), [], CancellationToken.None);
        Assert.All(chunks, c => Assert.InRange(c.Length, 1, VideoEncoder.MaxChunkBytes));
        var path = Path.Combine(directory, "joined.mp4");
        await File.WriteAllBytesAsync(path, chunks.SelectMany(c => c).ToArray());
        var info = await FFProbe.AnalyseAsync(path);
        Assert.Equal("h264", info.PrimaryVideoStream!.CodecName);
        Assert.Equal(2.0, info.Duration.TotalSeconds, 1);
    }

    [Fact]
    public async Task SplitAtBoxes_KeepsEveryPieceUnderTheLimit_AndLosesNoByte()
    {
        var (chunks, _) = await encoder.WriteAllAsync(MovingSquare(16), [], CancellationToken.None);
        var whole = chunks.SelectMany(c => c).ToArray();
        var small = VideoEncoder.SplitAtBoxes(whole, 700);
        Assert.True(small.Count > 2, $"expected several pieces, got {small.Count}");
        Assert.All(small, c => Assert.InRange(c.Length, 1, 700));
        Assert.Equal(whole, small.SelectMany(c => c).ToArray());
    }

    /// <summary>Records each encode it admits, in order: the tenant and priority it was admitted as, and how many events were out by then.</summary>
    sealed class RecordingAdmission(Func<int> eventsOut) : IEncodeAdmission
    {
        public List<(string Tenant, WorkPriority Priority, int EventsOut)> Admitted { get; } = [];

        public async Task<T> RunAsync<T>(string tenant, WorkPriority priority, Func<Task<T>> encode, CancellationToken cancellationToken)
        {
            lock (Admitted) Admitted.Add((tenant, priority, eventsOut()));
            return await encode();
        }
    }

    [Fact]
    public async Task GenerationOutputs_AdmitTheirOneProcessOnce_StreamTheChunksFirst_AndWriteEachFileFromItsOwnFrames()
    {
        var events = Channel.CreateUnbounded<PipelineEvent>();
        var admission = new RecordingAdmission(() => events.Reader.Count);
        var request = new PipelineRequest
        {
            Image = [], Prompt = "the white square moves right", OutputDirectory = Path.Combine(directory, "out"), Tenant = "acme",
            Priority = WorkPriority.Batch, Formats = [VideoFormat.Mp4, VideoFormat.Gif],
        };
        var plan = new PromptPlan(request.Prompt, request.Prompt, [new ObjectPrompt("white square", request.Prompt, "white", "square", "right")], "rules");
        var video = MovingSquare(8);
        var trajectory = MovingSquare(8, down: true);
        var artifacts = await new GenerationOutputs(encoder).WriteAsync(request, plan, new RenderedVideo(video, trajectory, []),
            new Dictionary<GenerationStage, double>(), events.Writer, admission, CancellationToken.None);

        // The streamed MP4 and the files: one process in one admission, as the request's tenant; the first event out is a chunk.
        var admitted = Assert.Single(admission.Admitted);
        Assert.Equal(("acme", WorkPriority.Batch, 0), (admitted.Tenant, admitted.Priority, admitted.EventsOut));
        Assert.True(events.Reader.TryPeek(out var first) && first is VideoChunk);
        Assert.All(new[] { "mp4", "gif", "trajectory", "overlay", "summary" }, key => Assert.True(File.Exists(artifacts[key]), key));
        // summary.json's encode is the encode's own time (an ffmpeg process at least), not the ~0 s it had when the stage began.
        using var summary = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(artifacts["summary"]));
        Assert.InRange(summary.RootElement.GetProperty("seconds").GetProperty("encode").GetDouble(), 0.01, 60);
        // Each file holds its own frames (one process trims each file's part out of one pipe).
        AssertFramesAre(video, await Decode(artifacts["mp4"], video), other: trajectory);
        AssertFramesAre(trajectory, await Decode(artifacts["trajectory"], trajectory), other: video);
        AssertFramesAre(video.Overlay(trajectory), await Decode(artifacts["overlay"], video), other: video);
    }

    [Fact]
    public async Task WriteAll_StreamsOneVideo_AndWritesEachFileFromItsOwn_AlsoWhenTheSizesDiffer()
    {
        var right = MovingSquare(8);
        var down = MovingSquare(8, down: true);
        var small = MovingSquare(8, size: 32);
        var files = new[]
        {
            new VideoFile(right, Path.Combine(directory, "right.mp4"), VideoFormat.Mp4),
            new VideoFile(down, Path.Combine(directory, "down.mp4"), VideoFormat.Mp4),
            new VideoFile(small, Path.Combine(directory, "small.mp4"), VideoFormat.Mp4),
            new VideoFile(right, Path.Combine(directory, "right.webm"), VideoFormat.WebM),
            new VideoFile(down, Path.Combine(directory, "frames"), VideoFormat.PngFrames),
        };
        var (chunks, paths) = await encoder.WriteAllAsync(down, files, CancellationToken.None);

        var streamed = Path.Combine(directory, "streamed.mp4");
        await File.WriteAllBytesAsync(streamed, chunks.SelectMany(c => c).ToArray());
        AssertFramesAre(down, await Decode(streamed, down), other: right);
        Assert.Equal(files.Select(f => f.Path), paths);
        AssertFramesAre(right, await Decode(paths[0], right), other: down);
        AssertFramesAre(down, await Decode(paths[1], down), other: right);
        AssertFramesAre(small, await Decode(paths[2], small), other: MovingSquare(8, size: 32, down: true));
        AssertFramesAre(right, await Decode(paths[3], right), other: down);
        Assert.Equal(8, Directory.GetFiles(paths[4], "frame_*.png").Length);
    }

    /// <summary>The file's frames decoded back to RGB (T, H, W, 3).</summary>
    static async Task<byte[]> Decode(string path, VideoFrames like)
    {
        using var output = new MemoryStream();
        await FFMpegArguments.FromFileInput(path)
            .OutputToPipe(new FFMpegCore.Pipes.StreamPipeSink(output), o => o.WithCustomArgument("-f rawvideo -pix_fmt rgb24"))
            .ProcessAsynchronously(throwOnError: true);
        Assert.Equal(like.Pixels.Length, output.Length);
        return output.ToArray();
    }

    /// <summary>Lossy codecs: close to the expected frames (mean error under 8 of 255), far from the other video's.</summary>
    static void AssertFramesAre(VideoFrames expected, byte[] decoded, VideoFrames other)
    {
        static double MeanError(byte[] a, byte[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Average();
        double own = MeanError(expected.Pixels, decoded), others = MeanError(other.Pixels, decoded);
        Assert.True(own < 8 && others > 2 * own + 4, $"mean error {own:F1} against the expected frames, {others:F1} against the other video's");
    }

    [Fact]
    public async Task PngFrames_AreWrittenOnePerFrame()
    {
        var (_, paths) = await encoder.WriteAllAsync(MovingSquare(), [new VideoFile(MovingSquare(), Path.Combine(directory, "frames"), VideoFormat.PngFrames)], CancellationToken.None);
        var path = paths[0];
        Assert.Equal(8, Directory.GetFiles(path, "frame_*.png").Length);
    }
}
