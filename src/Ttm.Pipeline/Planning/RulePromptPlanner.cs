using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Ttm.Contracts;

namespace Ttm.Pipeline.Planning;

/// <summary>
/// The embedded, deterministic planner, and the fallback when an LLM's answer does not parse. It finds object
/// mentions ([size] [colour] noun; an unknown noun never splits one object in two), gives each the motion and speed
/// words of its clause ("X while Y", "X and Y", "X as Y", lists, leading adverbs, idioms such as "stands its ground"),
/// and writes c_motion and c_local in the canonical words the shipped models were trained on. What the lexicon does not
/// know it resolves by meaning when given a <see cref="SimilarityResolver"/>; a motion neither reads as a compass
/// label keeps the user's words, and <see cref="PromptPlan.Planner"/> says it was not understood.
/// </summary>
public sealed partial class RulePromptPlanner(SimilarityResolver? resolver = null) : IPromptPlanner
{
    public const string Name = "rules";

    static readonly FrozenSet<string> Joiners = new[] { "while", "whilst", "and", "as", "meanwhile", ";", ",", "whereas", "but" }.ToFrozenSet();
    static readonly FrozenSet<string> Determiners = new[] { "the", "a", "an", "one", "another" }.ToFrozenSet();

    public Task<PromptPlan> PlanAsync(string prompt, CancellationToken cancellationToken) => Task.FromResult(Plan(prompt));

    sealed record Mention(int Start, int End, string? Colour, string? Size, string Noun, bool KnownNoun);

    public PromptPlan Plan(string prompt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        var text = MotionLexicon.RewriteIdioms(Background().Replace(prompt.ToLowerInvariant(), " "));
        var tokens = Tokens().Matches(text).Select(m => m.Value).ToList();
        var notes = new List<string>();
        var mentions = FindMentions(tokens, notes);
        if (mentions.Count == 0)
            return new PromptPlan(prompt, prompt.Trim(), [new ObjectPrompt("object", prompt.Trim())], Name);

        // Each mention owns the tokens up to the next mention; leading adverbs belong to the first. Motion words after
        // the last joiner before the next mention belong to that one, said before it ("…; toward the northeast scoots
        // the canary sphere"), and are read for it when its own words after it name no motion.
        var speeds = new string?[mentions.Count];
        var motions = new string?[mentions.Count];
        var clauses = new string[mentions.Count];
        var preamble = tokens.GetRange(0, mentions[0].Start);
        for (int k = 0; k < mentions.Count; k++)
        {
            int from = mentions[k].End, to = k + 1 < mentions.Count ? mentions[k + 1].Start : tokens.Count;
            var segment = tokens.GetRange(from, to - from);
            int split = k + 1 < mentions.Count ? segment.FindLastIndex(w => Joiners.Contains(w)) : -1;
            var own = split >= 0 && segment.Skip(split + 1).Any(IsMotionWord) ? segment.GetRange(0, split) : segment;
            motions[k] = ReadMotion(own) ?? ReadMotion(preamble);
            preamble = own.Count < segment.Count ? segment.GetRange(split + 1, segment.Count - split - 1) : segment.SkipWhile(w => !Joiners.Contains(w)).ToList();
            clauses[k] = Clause(tokens, mentions[k], segment);
            if (motions[k] is null) motions[k] = ResolveMotion(Predicate(segment), notes);
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
        return new PromptPlan(prompt, Sentence(joined), objects, notes.Count == 0 ? Name : $"{Name} ({string.Join("; ", notes)})");
    }

    /// <summary>The clause's own words after its noun, up to the next clause: what it says the object does.</summary>
    static string Predicate(List<string> segment)
    {
        int end = segment.Count;
        for (int i = 0; i < segment.Count; i++)
            if (Joiners.Contains(segment[i]) && i > 0) { end = i; break; }
        return string.Join(' ', segment.Take(end).Where(w => w is not ("," or ";")));
    }

    string? ResolveMotion(string predicate, List<string> notes)
    {
        if (predicate.Length == 0) return null;
        if (resolver?.Motion(predicate) is { } guess)
        {
            notes.Add($"'{predicate}' read as {guess.Value} by similarity {guess.Confidence:F2}");
            return guess.Value;
        }
        notes.Add($"not understood: '{predicate}'");
        return null;
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

    List<Mention> FindMentions(List<string> tokens, List<string> notes)
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
            // An unknown noun right after a colour word ("the red car"): the user's word, or a shape it means.
            if (noun is null && i > 0 && MotionLexicon.Colours.ContainsKey(tokens[i - 1]) && IsContentWord(tokens[i]))
            {
                noun = tokens[i];
                length = 1;
                if (resolver?.Shape(noun) is { } shape)
                {
                    notes.Add($"'{noun}' read as {shape.Value} by similarity {shape.Confidence:F2}");
                    (noun, known) = (shape.Value, true);
                }
            }
            if (noun is null) continue;
            // A known noun right after a mention continues it ("the red toy ball"): one object, not two.
            if (mentions.Count > 0 && mentions[^1].End == i && known)
            {
                mentions[^1] = mentions[^1] with { End = i + length, Noun = noun, KnownNoun = true };
                i += length - 1;
                continue;
            }
            int start = i;
            string? colour = null, size = null;
            while (start > 0 && (MotionLexicon.Colours.ContainsKey(tokens[start - 1]) || MotionLexicon.Sizes.ContainsKey(tokens[start - 1])))
            {
                start--;
                if (MotionLexicon.Colours.TryGetValue(tokens[start], out var c)) colour ??= c;
                else size ??= MotionLexicon.Sizes[tokens[start]];
            }
            // One word the lexicon does not know, between the determiner and the noun, may be a colour ("the ruby orb").
            if (colour is null && start > 1 && Determiners.Contains(tokens[start - 2]) && IsContentWord(tokens[start - 1])
                && resolver?.Colour(tokens[start - 1]) is { } guess)
            {
                notes.Add($"'{tokens[start - 1]}' read as {guess.Value} by similarity {guess.Confidence:F2}");
                colour = guess.Value;
                start--;
            }
            if (start > 0 && Determiners.Contains(tokens[start - 1])) start--;
            if (mentions.Count > 0 && start < mentions[^1].End) continue;
            mentions.Add(new Mention(start, i + length, colour, size, noun, known));
            i += length - 1;
        }
        return mentions;
    }

    /// <summary>A word that can name or describe an object: not a motion, speed, joiner, colour or background word.</summary>
    static bool IsContentWord(string w) => !IsMotionWord(w) && !MotionLexicon.Speeds.ContainsKey(w) && !Joiners.Contains(w)
        && !MotionLexicon.Colours.ContainsKey(w) && !Determiners.Contains(w) && w is not ("background" or "backdrop" or "is" or "it" or "as" or "for" or "watch" or "," or ";");

    [GeneratedRegex(@"\b(on|against)\s+an?\s+[\w\s-]*?\b(background|backdrop)\b,?")]
    private static partial Regex Background();

    [GeneratedRegex(@"[a-z]+(?:-[a-z]+)?(?:'[a-z]+)?|[,;]")]
    private static partial Regex Tokens();
}
