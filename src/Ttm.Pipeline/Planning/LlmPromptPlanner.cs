using System.Text.Json;
using System.Text.RegularExpressions;
using Ttm.Contracts;

namespace Ttm.Pipeline.Planning;

/// <summary>
/// Prompt planning with an LLM (an OpenAI-compatible endpoint or a GGUF file in-process), with the paper's two
/// few-shot tasks. Answers are parsed strictly; a timeout, an error or an answer that does not parse is
/// retried, and after the last attempt the rule planner's plan is used (its Planner field says so). Object
/// names, colours and nouns for grounding are read from each local prompt.
/// </summary>
public sealed partial class LlmPromptPlanner(IChatCompletion model, LlmPlannerOptions options, RulePromptPlanner fallback) : IPromptPlanner
{
    public const string Name = "llm";

    /// <summary>Longer answers are not plans (a model that rambles or repeats); they fall back to the rules.</summary>
    public const int MaxAnswerCharacters = 4096;

    public async Task<PromptPlan> PlanAsync(string prompt, CancellationToken cancellationToken)
    {
        string? reason = null;
        for (int attempt = 0; attempt <= options.Retries; attempt++)
        {
            try
            {
                var motion = ParseMotion(await CompleteAsync(FewShotPrompts.Motion.Replace("{caption}", prompt), cancellationToken));
                var locals = ParseLocal(await CompleteAsync(FewShotPrompts.Local.Replace("{caption}", prompt), cancellationToken));
                var objects = locals.Select(local =>
                {
                    var mention = fallback.Plan(local).Objects[0];
                    return mention with { LocalPrompt = local };
                }).ToList();
                return new PromptPlan(prompt, motion, objects, $"{Name} ({model.Describe})");
            }
            catch (Exception e) when (e is FormatException or HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or OverflowException && !cancellationToken.IsCancellationRequested)
            {
                reason = e is TaskCanceledException ? $"no answer within {options.Timeout.TotalSeconds:F0} s" : e.Message;
            }
        }
        var plan = fallback.Plan(prompt);
        return plan with { Planner = $"{RulePromptPlanner.Name} (fallback: {reason})" };
    }

    async Task<string> CompleteAsync(string prompt, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        return await model.CompleteAsync(prompt, timeout.Token);
    }

    /// <summary>"Answer: The dog runs …" (the "Answer:" is optional) → one line, one sentence or more.</summary>
    public static string ParseMotion(string answer)
    {
        RequireBounded(answer);
        var line = answer.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0)
                   ?? throw new FormatException("the motion answer is empty");
        if (line.StartsWith("Answer:", StringComparison.OrdinalIgnoreCase)) line = line["Answer:".Length..].Trim();
        if (line.Length == 0 || line.Contains("[[")) throw new FormatException($"the motion answer '{line}' is not a prompt");
        return line;
    }

    /// <summary>"Answer: [[Object 1: …] [Object 2: …]]" → the local prompts in order; numbering must run 1, 2, ….</summary>
    public static IReadOnlyList<string> ParseLocal(string answer)
    {
        RequireBounded(answer);
        var match = LocalAnswer().Match(answer);
        if (!match.Success) throw new FormatException("the local answer is not of the form [[Object 1: ...] [Object 2: ...]]");
        var items = LocalItem().Matches(match.Groups[1].Value);
        if (items.Count == 0) throw new FormatException("the local answer lists no objects");
        var prompts = new List<string>();
        for (int i = 0; i < items.Count; i++)
        {
            if (!int.TryParse(items[i].Groups[1].Value, out int number) || number != i + 1)
                throw new FormatException($"object {i + 1} is numbered {Shorten(items[i].Groups[1].Value)}");
            var text = items[i].Groups[2].Value.Trim();
            if (text.Length == 0) throw new FormatException($"object {i + 1} has an empty prompt");
            prompts.Add(text);
        }
        return prompts;
    }

    static void RequireBounded(string answer)
    {
        if (answer.Length > MaxAnswerCharacters) throw new FormatException($"the answer is {answer.Length} characters long (at most {MaxAnswerCharacters})");
    }

    static string Shorten(string s) => s.Length <= 12 ? s : s[..12] + "…";

    [GeneratedRegex(@"\[\s*((?:\[\s*Object\s+\d+\s*:[^\[\]]*\]\s*)+)\]", RegexOptions.IgnoreCase)]
    private static partial Regex LocalAnswer();

    [GeneratedRegex(@"\[\s*Object\s+(\d+)\s*:([^\[\]]*)\]", RegexOptions.IgnoreCase)]
    private static partial Regex LocalItem();
}
