namespace Ttm.Pipeline.Planning;

/// <summary>Where an OpenAI-compatible chat-completions server is (vLLM, Ollama, llama.cpp server, …) and how patiently to ask it.</summary>
public sealed record LlmPlannerOptions
{
    /// <summary>Base URL, e.g. http://localhost:11434/v1 (the planner posts to {Endpoint}/chat/completions).</summary>
    public required Uri Endpoint { get; init; }
    public required string Model { get; init; }
    public string? ApiKey { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Further attempts after a failed or unparseable answer.</summary>
    public int Retries { get; init; } = 2;
}
