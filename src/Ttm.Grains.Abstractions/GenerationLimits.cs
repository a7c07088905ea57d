using Ttm.Contracts;

namespace Ttm.Grains;

/// <summary>
/// Every request limit and default, in one place: the gateway's validator and defaults and the CLI's help read
/// these; the proto's comments and the pipeline's own checks are held to them by tests.
/// </summary>
public static class GenerationLimits
{
    public const int MaxImageBytes = 32 * 1024 * 1024;
    /// <summary>Bytes of uploads one gateway holds at once while admitting and storing them (8 of the largest).</summary>
    public const long MaxUploadBytesHeld = 8L * MaxImageBytes;
    /// <summary>Largest side and pixel count an upload may claim (the decoder's ImageInput.MaxSide and MaxPixels).</summary>
    public const int MaxImageSide = 12_000;
    public const long MaxImagePixels = 40_000_000;
    public const int MaxPromptCharacters = 2_000;
    public const int MaxSteps = 200;
    public const int DefaultSteps = 16;
    public const float DefaultGuidanceVisual = 1.5f;
    public const float DefaultGuidanceText = 3f;
    public const int DefaultPreviewEvery = 4;
    public const int MinDisplaySize = 16;
    public const int MaxDisplaySize = 1024;
    public const int DefaultDisplaySize = 256;
    public const int DefaultListLimit = 50;
    public const int MaxListLimit = 500;
    public const int MaxRequestIdCharacters = 128;
    /// <summary>A cancel reason (it is stored in the event log and returned by every Get, List and Watch of the generation).</summary>
    public const int MaxCancelReasonCharacters = 256;
    /// <summary>Any other free text an event carries (a failure's message, a completion's note): longer text is cut to this.</summary>
    public const int MaxEventTextCharacters = 1_024;
    /// <summary>
    /// Events one generation may log: 2 × <see cref="MaxSteps"/> previews at one a step, its chunks and the stage events fit
    /// well within; every string an event carries is bounded, so this bounds a generation's log in bytes too.
    /// </summary>
    public const int MaxEventsPerGeneration = 1_000;
    /// <summary>Bytes of generations one List page carries (besides <see cref="MaxListLimit"/>): a page stops before the one that would pass it.</summary>
    public const int MaxListPageBytes = 1024 * 1024;
    /// <summary>A List page token's length: the tokens List gives are "{ticks}:{generation id}", far shorter.</summary>
    public const int MaxPageTokenCharacters = 128;
    /// <summary>Guidance scales s_V and s_T must lie in 0..MaxGuidance.</summary>
    public const float MaxGuidance = 20f;
    /// <summary>Object hints per request (the model animates at most a few objects) and points per hint.</summary>
    public const int MaxHints = 8;
    public const int MaxPointsPerHint = 16;
    /// <summary>A motion path: 2..16 points; scales within [MinPathScale, MaxPathScale] (0 reads as 1).</summary>
    public const int MaxPathPoints = 16;
    public const float MinPathScale = 0.25f, MaxPathScale = 4f;
    /// <summary>Video formats per request.</summary>
    public const int MaxFormats = 4;
    /// <summary>The longest deadline a request may set (a day).</summary>
    public const double MaxDeadlineSeconds = 86_400;
    /// <summary>The step-cache settings as a tenant's policy and the command line write them (the models' StepCachePolicy.Named), the exact one first.</summary>
    public static readonly IReadOnlyList<string> StepCaches = Enum.GetValues<StepCache>().Select(c => c.ToString().ToLowerInvariant()).ToList();
}
