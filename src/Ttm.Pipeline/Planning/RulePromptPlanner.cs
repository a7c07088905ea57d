using System.Text.RegularExpressions;

namespace Ttm.Pipeline.Planning;

/// <summary>
/// The embedded, deterministic planner, and the fallback when an LLM's answer does not parse. It finds object
/// mentions ([size] [colour] noun), gives each the motion and speed words of its clause ("X while Y",
/// "X and Y", "X as Y", lists, leading adverbs), and writes c_motion and c_local in the canonical words the
/// shipped models were trained on. Motions it cannot read as a compass direction keep the user's words.
/// </summary>
public sealed partial class RulePromptPlanner : IPromptPlanner
{
    public const string Name = "rules";

    static readonly HashSet<string> Joiners = ["while", "and", "as", "meanwhile", ";", ",", "whereas", "but"];
    static readonly HashSet<string> Determiners = ["the", "a", "an", "one", "another"];

    public Task<PromptPlan> PlanAsync(string prompt, CancellationToken cancellationToken) => Task.FromResult(Plan(prompt));

    sealed record Mention(int Start, int End, string? Colour, string? Size, string Noun, bool KnownNoun);

    public PromptPlan Plan(string prompt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        var text = Background().Replace(prompt.ToLowerInvariant(), " ");
        var tokens = Tokens().Matches(text).Select(m => m.Value).ToList();
        var mentions = FindMentions(tokens);
        if (mentions.Count == 0)
            return new PromptPlan(prompt, prompt.Trim(), [new ObjectPrompt("object", prompt.Trim())], Name);

        // Each mention owns the tokens up to the next mention; leading adverbs belong to the first.
        var speeds = new string?[mentions.Count];
        var motions = new string?[mentions.Count];
        var clauses = new string[mentions.Count];
        for (int k = 0; k < mentions.Count; k++)
        {
            int from = mentions[k].End, to = k + 1 < mentions.Count ? mentions[k + 1].Start : tokens.Count;
            var segment = tokens.GetRange(from, to - from);
            motions[k] = ReadMotion(segment);
            clauses[k] = Clause(tokens, mentions[k], segment);
            for (int i = 0; i < segment.Count; i++)
            {
                if (!MotionLexicon.Speeds.TryGetValue(segment[i], out var speed)) continue;
                bool motionAfter = segment.Skip(i + 1).Any(IsMotionWord);
                int lastMotion = segment.FindLastIndex(i, IsMotionWord);
                bool joinerBetween = lastMotion >= 0 && segment.Skip(lastMotion + 1).Take(i - lastMotion - 1).Any(Joiners.Contains);
                if (!motionAfter && joinerBetween && k + 1 < mentions.Count) speeds[k + 1] ??= speed;
                else speeds[k] ??= speed;
            }
        }
        foreach (var w in tokens.Take(mentions[0].Start))
            if (MotionLexicon.Speeds.TryGetValue(w, out var speed)) speeds[0] ??= speed;

        var objects = mentions.Select((m, k) =>
        {
            string name = m.Colour is null ? m.Noun : $"{m.Colour} {m.Noun}";
            string local = motions[k] is { } motion
                ? $"The {(m.Size is null ? "" : m.Size + " ")}{name} {MotionLexicon.Canonical[motion]}{Adverb(motion, speeds[k])}."
                : Sentence(clauses[k]);
            return new ObjectPrompt(name, local, m.Colour, m.Noun, motions[k]);
        }).ToList();
        var motionClauses = mentions.Select((m, k) => motions[k] is { } motion
            ? $"the {objects[k].Name} {MotionLexicon.Canonical[motion]}{Adverb(motion, speeds[k])}"
            : clauses[k]).ToList();
        string joined = motionClauses.Count switch
        {
            1 => motionClauses[0],
            2 => $"{motionClauses[0]}, and {motionClauses[1]}",
            _ => string.Join(", ", motionClauses.Take(motionClauses.Count - 1)) + $", and {motionClauses[^1]}",
        };
        return new PromptPlan(prompt, Sentence(joined), objects, Name);
    }

    static string Adverb(string motion, string? speed) =>
        motion == "still" || speed is null ? "" : speed == "slow" ? " slowly" : " quickly";

    static string Sentence(string s)
    {
        s = s.Trim().TrimEnd('.', ',', ';').Trim();
        return s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..] + ".";
    }

    /// <summary>The mention and its own words, up to the first joiner that starts another clause.</summary>
    static string Clause(List<string> tokens, Mention m, List<string> segment)
    {
        int end = segment.Count;
        for (int i = 0; i < segment.Count; i++)
            if (Joiners.Contains(segment[i]) && !segment.Skip(i + 1).Any(IsMotionWord)) { end = i; break; }
        var words = tokens.GetRange(m.Start, m.End - m.Start).Concat(segment.Take(end)).Where(w => w != "," && w != ";");
        return "the " + string.Join(' ', words.SkipWhile(Determiners.Contains));
    }

    static bool IsMotionWord(string w) =>
        MotionLexicon.Up.Contains(w) || MotionLexicon.Down.Contains(w) || MotionLexicon.Left.Contains(w) ||
        MotionLexicon.Right.Contains(w) || MotionLexicon.Still.Contains(w) || w is "moves" or "move" or "not" or "stays" or "remains";

    static string? ReadMotion(List<string> segment)
    {
        // Stop at a joiner after which no motion word follows: the rest is the next clause's preamble.
        bool up = segment.Any(MotionLexicon.Up.Contains), down = segment.Any(MotionLexicon.Down.Contains);
        bool left = segment.Any(MotionLexicon.Left.Contains), right = segment.Any(MotionLexicon.Right.Contains);
        string joined = string.Join(' ', segment);
        bool still = segment.Any(MotionLexicon.Still.Contains) || joined.Contains("not move") || joined.Contains("n't move");
        string? vertical = up == down ? null : up ? "up" : "down";
        string? horizontal = left == right ? null : left ? "left" : "right";
        if (vertical is not null && horizontal is not null) return $"{vertical}-{horizontal}";
        if (vertical is not null || horizontal is not null) return vertical ?? horizontal;
        return still ? "still" : null;
    }

    static List<Mention> FindMentions(List<string> tokens)
    {
        var mentions = new List<Mention>();
        for (int i = 0; i < tokens.Count; i++)
        {
            string? noun = null;
            int length = 0;
            foreach (var (phrase, canonical) in MotionLexicon.Nouns)
            {
                var words = phrase.Split(' ');
                if (i + words.Length <= tokens.Count && words.Select((w, j) => tokens[i + j] == w).All(x => x))
                {
                    noun = canonical;
                    length = words.Length;
                    break;
                }
            }
            bool known = noun is not null;
            // An unknown noun right after a colour word ("the red car").
            if (noun is null && i > 0 && MotionLexicon.Colours.ContainsKey(tokens[i - 1]) && !IsMotionWord(tokens[i])
                && !MotionLexicon.Speeds.ContainsKey(tokens[i]) && !Joiners.Contains(tokens[i]) && !MotionLexicon.Colours.ContainsKey(tokens[i])
                && tokens[i] is not ("background" or "backdrop"))
            {
                noun = tokens[i];
                length = 1;
            }
            if (noun is null) continue;
            int start = i;
            string? colour = null, size = null;
            while (start > 0 && (MotionLexicon.Colours.ContainsKey(tokens[start - 1]) || MotionLexicon.Sizes.ContainsKey(tokens[start - 1])))
            {
                start--;
                if (MotionLexicon.Colours.TryGetValue(tokens[start], out var c)) colour ??= c;
                else size ??= MotionLexicon.Sizes[tokens[start]];
            }
            if (start > 0 && Determiners.Contains(tokens[start - 1])) start--;
            if (mentions.Count > 0 && start < mentions[^1].End) continue;
            mentions.Add(new Mention(start, i + length, colour, size, noun, known));
            i += length - 1;
        }
        return mentions;
    }

    [GeneratedRegex(@"\b(on|against)\s+an?\s+[\w\s-]*?\b(background|backdrop)\b,?")]
    private static partial Regex Background();

    [GeneratedRegex(@"[a-z]+(?:-[a-z]+)?(?:'[a-z]+)?|[,;]")]
    private static partial Regex Tokens();
}
