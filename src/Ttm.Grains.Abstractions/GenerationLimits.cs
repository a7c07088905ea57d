namespace Ttm.Grains;

/// <summary>
/// Every request limit and default, in one place: the gateway's validator and defaults and the CLI's help read
/// these; the proto's comments and the pipeline's own checks are held to them by tests.
/// </summary>
public static class GenerationLimits
{
    public const int MaxImageBytes = 32 * 1024 * 1024;
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
    /// <summary>Guidance scales s_V and s_T must lie in 0..MaxGuidance.</summary>
    public const float MaxGuidance = 20f;
    /// <summary>Object hints per request (the model animates at most a few objects) and points per hint.</summary>
    public const int MaxHints = 8;
    public const int MaxPointsPerHint = 16;
    /// <summary>Video formats per request.</summary>
    public const int MaxFormats = 4;
    /// <summary>The longest deadline a request may set (a day).</summary>
    public const double MaxDeadlineSeconds = 86_400;
    /// <summary>The step-cache settings a request or a tenant's policy may name (the models' StepCachePolicy.Named), the exact one first.</summary>
    public static readonly IReadOnlyList<string> StepCaches = ["off", "balanced", "aggressive"];
}
