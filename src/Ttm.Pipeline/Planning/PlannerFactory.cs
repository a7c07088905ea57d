namespace Ttm.Pipeline.Planning;

/// <summary>Builds the planner a configuration asks for: an LLM (endpoint or GGUF) with the rule planner as fallback, or the rules alone.</summary>
public static class PlannerFactory
{
    /// <param name="resolver">what the rules do not know, resolved by meaning (none: the rules alone)</param>
    public static IPromptPlanner Create(LlmPlannerOptions? options, HttpClient? http = null, SimilarityResolver? resolver = null)
    {
        var rules = new RulePromptPlanner(resolver);
        if (options is null) return rules;
        IChatCompletion model = options.GgufPath is { Length: > 0 } gguf
            ? new LlamaChatCompletion(gguf, maxTokens: options.MaxTokens)
            : options.Endpoint is not null
                ? new OpenAiChatCompletion(http ?? new HttpClient(), options)
                : throw new ArgumentException("An LLM planner needs an endpoint URL or a GGUF file.");
        return new LlmPromptPlanner(model, options, rules);
    }
}
