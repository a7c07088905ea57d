namespace Ttm.Pipeline.Planning;

/// <summary>
/// Which LLM plans (an OpenAI-compatible endpoint, or a GGUF file) and how patiently to ask it. Hosts read it from
/// Ttm:Planner (env Ttm__Planner__Endpoint, …); with neither an endpoint nor a file the rule planner plans alone.
/// </summary>
public sealed record LlmPlannerOptions
{
    public const string Section = "Ttm:Planner";

    public bool Configured => Endpoint is not null || GgufPath is { Length: > 0 };

    /// <summary>Base URL of an OpenAI-compatible server, e.g. http://localhost:11434/v1 (posts to {Endpoint}/chat/completions).</summary>
    public Uri? Endpoint { get; init; }
    public string Model { get; init; } = "";
    /// <summary>A GGUF model file to run in-process instead of an endpoint.</summary>
    public string? GgufPath { get; init; }
    public string? ApiKey { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>The longest answer asked for (max_tokens): a plan is a sentence or two per object.</summary>
    public int MaxTokens { get; init; } = 256;
    /// <summary>Further attempts after a failed or unparseable answer.</summary>
    public int Retries { get; init; } = 2;
}
