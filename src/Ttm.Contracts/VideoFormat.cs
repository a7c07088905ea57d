using Orleans;

namespace Ttm.Contracts;

/// <summary>Container formats the encoder writes.</summary>
[GenerateSerializer, Alias("ttm.video-format.v1")]
public enum VideoFormat { Mp4, WebM, Gif, PngFrames }
