namespace Ttm.Pipeline.Planning;

/// <summary>Which LLM plans (an OpenAI-compatible endpoint, or a GGUF file) and how patiently to ask it.</summary>
public sealed record LlmPlannerOptions
{
    /// <summary>Base URL of an OpenAI-compatible server, e.g. http://localhost:11434/v1 (posts to {Endpoint}/chat/completions).</summary>
    public Uri? Endpoint { get; init; }
    public string Model { get; init; } = "";
    /// <summary>A GGUF model file to run in-process instead of an endpoint.</summary>
    public string? GgufPath { get; init; }
    public string? ApiKey { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Further attempts after a failed or unparseable answer.</summary>
    public int Retries { get; init; } = 2;
}
