namespace Ttm.Pipeline.Planning;

/// <summary>One prompt in, the model's answer out: what the LLM planner needs of any language model.</summary>
public interface IChatCompletion
{
    /// <summary>Short name for plans and logs, e.g. "openai:llama-3.1-8b" or "gguf:model.gguf".</summary>
    string Describe { get; }
    Task<string> CompleteAsync(string prompt, CancellationToken cancellationToken);
}
