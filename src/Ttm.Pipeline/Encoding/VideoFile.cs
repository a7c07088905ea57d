using Ttm.Contracts;

namespace Ttm.Pipeline.Encoding;

/// <summary>One file to write: which frames, where, in which format.</summary>
public sealed record VideoFile(VideoFrames Video, string Path, VideoFormat Format);
