using System.Threading.Channels;
using FFMpegCore;
using Ttm.Pipeline.Devices;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline.Tests;

public sealed class VideoEncoderTests : IDisposable
{
    readonly string directory = Directory.CreateTempSubdirectory("ttm-encode-").FullName;
    readonly VideoEncoder encoder = new();

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <summary>A white square moving right on grey, 8 frames of 64×64.</summary>
    static VideoFrames MovingSquare(int frames = 8, int size = 64)
    {
        var pixels = new byte[frames * size * size * 3];
        Array.Fill(pixels, (byte)80);
        for (int t = 0; t < frames; t++)
        for (int y = 20; y < 36; y++)
        for (int x = 4 + 4 * t; x < 20 + 4 * t; x++)
            for (int c = 0; c < 3; c++) pixels[((t * size + y) * size + x) * 3 + c] = 250;
        return new VideoFrames(frames, size, size, pixels);
    }

    [Theory]
    [InlineData(VideoFormat.Mp4, "video.mp4", "h264")]
    [InlineData(VideoFormat.WebM, "video.webm", "vp9")]
    [InlineData(VideoFormat.Gif, "video.gif", "gif")]
    public async Task Write_ProducesAFileFfprobeReadsWithAllFrames(VideoFormat format, string name, string codec)
    {
        var path = await encoder.WriteAsync(MovingSquare(), Path.Combine(directory, name), format, CancellationToken.None);
        var info = await FFProbe.AnalyseAsync(path);
        Assert.Equal(codec, info.PrimaryVideoStream!.CodecName);
        Assert.Equal(64, info.PrimaryVideoStream.Width);
        Assert.Equal(1.0, info.Duration.TotalSeconds, 1); // 8 frames at 8 fps
        if (format == VideoFormat.Mp4) Assert.Equal("yuv420p", info.PrimaryVideoStream.PixelFormat);
    }

    [Fact]
    public async Task FragmentedMp4_ChunksConcatenateToAPlayableVideo()
    {
        var chunks = await encoder.FragmentedMp4Async(MovingSquare(16), CancellationToken.None);
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
        var chunks = await encoder.FragmentedMp4Async(MovingSquare(16), CancellationToken.None);
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
    public async Task GenerationOutputs_AdmitEachProcessOnItsOwn_AndStreamTheChunksBeforeTheFiles()
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
        var artifacts = await new GenerationOutputs(encoder).WriteAsync(request, plan, new RenderedVideo(video, video, []),
            new Dictionary<PipelineStage, double>(), events.Writer, admission, CancellationToken.None);

        // The streamed MP4, the two formats, the trajectory and the overlay: five processes, five admissions, all as the
        // request's tenant; the chunks were out before the first file's encode was admitted.
        Assert.Equal(5, admission.Admitted.Count);
        Assert.All(admission.Admitted, a => Assert.Equal(("acme", WorkPriority.Batch), (a.Tenant, a.Priority)));
        Assert.Equal(0, admission.Admitted[0].EventsOut);
        Assert.True(admission.Admitted[1].EventsOut >= 1 && events.Reader.TryPeek(out var first) && first is VideoChunk);
        Assert.All(new[] { "mp4", "gif", "trajectory", "overlay", "summary" }, key => Assert.True(File.Exists(artifacts[key]), key));
    }

    [Fact]
    public async Task PngFrames_AreWrittenOnePerFrame()
    {
        var path = await encoder.WriteAsync(MovingSquare(), Path.Combine(directory, "frames"), VideoFormat.PngFrames, CancellationToken.None);
        Assert.Equal(8, Directory.GetFiles(path, "frame_*.png").Length);
    }
}
