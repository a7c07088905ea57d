using FFMpegCore;
using FFMpegCore.Pipes;
using SkiaSharp;
using Ttm.Contracts;

namespace Ttm.Pipeline.Encoding;

/// <summary>
/// Frames → files and streamable pieces through Debian's ffmpeg (FFMpegCore), one process for all of a generation's
/// (<see cref="WriteAllAsync"/>): MP4 (H.264, yuv420p), WebM (VP9), GIF, PNG frames, and fragmented MP4 split at box
/// boundaries into pieces of at most 1 MB whose concatenation is a playable file.
/// </summary>
public sealed class VideoEncoder(int framesPerSecond = 8)
{
    public const int MaxChunkBytes = 1024 * 1024;

    sealed class Frame(VideoFrames video, int index) : IVideoFrame
    {
        public int Width => video.Width;
        public int Height => video.Height;
        public string Format => "rgb24";
        public string PixelFormat => "rgb24";
        public void Serialize(Stream pipe) => pipe.Write(video.Frame(index));
        public Task SerializeAsync(Stream pipe, CancellationToken token) => pipe.WriteAsync(video.Frame(index).ToArray(), token).AsTask();
    }

    /// <summary>A folder of frame_TTT.png: no process needed.</summary>
    static async Task WritePngFramesAsync(VideoFrames video, string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(path);
        for (int t = 0; t < video.Frames; t++)
            await File.WriteAllBytesAsync(Path.Combine(path, $"frame_{t:D3}.png"), Png(video, t), cancellationToken);
    }

    /// <summary>
    /// A generation's whole output from one ffmpeg process: the streamable fragmented MP4 (a keyframe every 4 frames, in
    /// pieces of at most 1 MB, the first holding ftyp + moov) and every file. The distinct videos go down one pipe one
    /// after the other and each output trims its own frames out of it, so ffmpeg's start-up (~0.12 s on a 2-core
    /// machine, more than encoding 8 small frames) is paid once, not once per file. PNG frames need no process. A file
    /// whose video differs in size from the streamed one gets a process of its own.
    /// </summary>
    /// <returns>the streamed MP4's pieces, and the path of every file in the order asked</returns>
    public async Task<(IReadOnlyList<byte[]> Chunks, IReadOnlyList<string> Paths)> WriteAllAsync(VideoFrames streamed, IReadOnlyList<VideoFile> files,
        CancellationToken cancellationToken)
    {
        var encoded = files.Where(f => f.Format != VideoFormat.PngFrames).ToList();
        foreach (var file in encoded) Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file.Path))!);
        bool SameSize(VideoFile f) => (f.Video.Width, f.Video.Height) == (streamed.Width, streamed.Height);
        using var stream = new MemoryStream();
        var processes = encoded.Where(f => !SameSize(f)).GroupBy(f => (f.Video.Width, f.Video.Height))
            .Select(size => EncodeAsync(null, null, size.ToList(), cancellationToken))
            .Append(EncodeAsync(streamed, stream, encoded.Where(SameSize).ToList(), cancellationToken))
            .ToList();
        foreach (var frames in files.Where(f => f.Format == VideoFormat.PngFrames))
            await WritePngFramesAsync(frames.Video, frames.Path, cancellationToken);
        await Task.WhenAll(processes);
        return (SplitAtBoxes(stream.ToArray(), MaxChunkBytes), files.Select(f => f.Path).ToList());
    }

    /// <summary>One process for videos of one size: <paramref name="streamed"/> as fragmented MP4 to <paramref name="sink"/> (if given), and the files.</summary>
    async Task EncodeAsync(VideoFrames? streamed, Stream? sink, IReadOnlyList<VideoFile> files, CancellationToken cancellationToken)
    {
        // The pipe: each distinct video once, in order; a video's frames are [first, first + its frame count) of it.
        var first = new Dictionary<VideoFrames, int>(ReferenceEqualityComparer.Instance);
        var videos = new List<VideoFrames>();
        foreach (var video in files.Select(f => f.Video).Prepend(streamed).OfType<VideoFrames>())
            if (first.TryAdd(video, videos.Sum(v => v.Frames))) videos.Add(video);
        if (videos.Count == 0) return;
        string Trim(VideoFrames video) => $"-vf trim=start_frame={first[video]}:end_frame={first[video] + video.Frames},setpts=PTS-STARTPTS ";
        var frames = videos.SelectMany(v => Enumerable.Range(0, v.Frames).Select(t => (IVideoFrame)new Frame(v, t)));
        await FFMpegArguments.FromPipeInput(new RawVideoPipeSource(frames) { FrameRate = framesPerSecond })
            .OutputToMany(outputs =>
            {
                if (streamed is not null && sink is not null)
                    outputs.OutputToPipe(new StreamPipeSink(sink), options => options.WithCustomArgument(Trim(streamed) + FragmentedMp4));
                foreach (var file in files)
                    outputs.OutputToFile(file.Path, overwrite: true, options => options.WithCustomArgument(Trim(file.Video) + Codec(file.Format)));
            })
            .CancellableThrough(cancellationToken, null)
            .ProcessAsynchronously(throwOnError: true);
    }

    const string FragmentedMp4 = "-c:v libx264 -pix_fmt yuv420p -g 4 -crf 18 -movflags frag_keyframe+empty_moov+default_base_moof -f mp4";

    static string Codec(VideoFormat format) => format switch
    {
        VideoFormat.Mp4 => "-c:v libx264 -pix_fmt yuv420p -crf 18 -movflags +faststart -f mp4",
        VideoFormat.WebM => "-c:v libvpx-vp9 -pix_fmt yuv420p -b:v 0 -crf 30 -f webm",
        VideoFormat.Gif => "-f gif",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "PNG frames are not a container ffmpeg writes here."),
    };

    /// <summary>Groups top-level MP4 boxes into pieces of at most <paramref name="limit"/> bytes (a larger box is cut).</summary>
    public static IReadOnlyList<byte[]> SplitAtBoxes(byte[] mp4, int limit)
    {
        var chunks = new List<byte[]>();
        var current = new MemoryStream();
        int offset = 0;
        while (offset < mp4.Length)
        {
            long size = offset + 8 <= mp4.Length ? (uint)(mp4[offset] << 24 | mp4[offset + 1] << 16 | mp4[offset + 2] << 8 | mp4[offset + 3]) : mp4.Length - offset;
            if (size == 1 && offset + 16 <= mp4.Length) size = (long)BitConverter.ToUInt64(mp4.AsSpan(offset + 8, 8).ToArray().Reverse().ToArray());
            if (size < 8 || offset + size > mp4.Length) size = mp4.Length - offset;
            bool isInit = offset == 0 || IsType(mp4, offset, "moov");
            if (current.Length > 0 && current.Length + size > limit && !isInit)
            {
                chunks.Add(current.ToArray());
                current = new MemoryStream();
            }
            for (long written = 0; written < size;)
            {
                int take = (int)Math.Min(size - written, limit - current.Length);
                if (take == 0)
                {
                    chunks.Add(current.ToArray());
                    current = new MemoryStream();
                    continue;
                }
                current.Write(mp4, offset + (int)written, take);
                written += take;
            }
            offset += (int)size;
        }
        if (current.Length > 0) chunks.Add(current.ToArray());
        return chunks;
    }

    static bool IsType(byte[] mp4, int offset, string type) =>
        offset + 8 <= mp4.Length && System.Text.Encoding.ASCII.GetString(mp4, offset + 4, 4) == type;

    public static byte[] Png(VideoFrames video, int t)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(video.Width, video.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var frame = video.Frame(t);
        var rgba = new byte[video.Width * video.Height * 4];
        for (int i = 0, j = 0; i < frame.Length; i += 3, j += 4)
        {
            rgba[j] = frame[i];
            rgba[j + 1] = frame[i + 1];
            rgba[j + 2] = frame[i + 2];
            rgba[j + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
