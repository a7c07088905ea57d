namespace Ttm.Training.World;

/// <summary>Captions in varied English, and the canonical plan prompts a perfect planner would write.</summary>
public static class Captions
{
    /// <param name="SizeMentioned">whether the caption says the size (only then does c_local carry it)</param>
    public sealed record Subject(ObjectColour Colour, string Shape, string Size, MotionKind Motion, string Speed, bool SizeMentioned);

    /// <summary>c_local: everything the caption says about one object, in canonical words (size only when the caption gives it).</summary>
    public static string LocalPrompt(string colour, string shape, string? size, MotionKind motion, string speed)
    {
        string sizeWord = size is null ? "" : size + " ";
        string speedWord = motion.Label == "still" ? "" : " " + Adverb(speed);
        return $"The {sizeWord}{colour} {shape} {motion.Canonical}{speedWord}.";
    }

    /// <summary>c_motion: only the motion, objects named by colour and shape (this world's object names), no size or background.</summary>
    public static string MotionPrompt(IReadOnlyList<WorldObject> objects)
    {
        var clauses = objects.Select(o =>
        {
            var motion = Vocabulary.Motion(o.Motion);
            string speed = o.Motion == "still" ? "" : " " + Adverb(o.Speed);
            return $"the {o.Name} {motion.Canonical}{speed}";
        }).ToList();
        var sentence = clauses.Count switch
        {
            1 => clauses[0],
            2 => $"{clauses[0]}, and {clauses[1]}",
            _ => string.Join(", ", clauses.Take(clauses.Count - 1)) + $", and {clauses[^1]}",
        };
        return char.ToUpperInvariant(sentence[0]) + sentence[1..] + ".";
    }

    static string Adverb(string speed) => speed == "slow" ? "slowly" : "quickly";

    public static string Caption(Random random, IReadOnlyList<Subject> subjects, string? backgroundWord)
    {
        var clauses = subjects.Select((s, i) => Clause(random, s, i == 0)).ToList();
        string sentence;
        if (clauses.Count == 1) sentence = clauses[0];
        else if (clauses.Count == 2) sentence = clauses[0] + Pick(random, Vocabulary.Joiners) + clauses[1];
        else sentence = random.Next(2) == 0
            ? $"{clauses[0]}, {clauses[1]}, and {clauses[2]}"
            : $"{clauses[0]}{Pick(random, Vocabulary.Joiners)}{clauses[1]} and {clauses[2]}";
        if (backgroundWord is not null)
            sentence = random.Next(2) == 0
                ? $"On a {backgroundWord} background, {sentence}"
                : $"{sentence} on a {backgroundWord} background";
        return char.ToUpperInvariant(sentence[0]) + sentence[1..] + ".";
    }

    static string Clause(Random random, Subject s, bool first)
    {
        string colour = Pick(random, s.Colour.Synonyms);
        string shape = Pick(random, Vocabulary.Shapes.Single(x => x.Name == s.Shape).Synonyms);
        var sizeSynonyms = Vocabulary.Sizes.Single(x => x.Name == s.Size).Synonyms;
        string size = s.SizeMentioned && sizeSynonyms.Length > 0 ? Pick(random, sizeSynonyms) + " " : "";
        string article = first || random.Next(2) == 0 ? "the" : (random.Next(2) == 0 ? "a" : "the");
        string words = $"{size}{colour} {shape}";
        if (article == "a" && "aeiou".Contains(words[0])) article = "an";
        string noun = $"{article} {words}";
        string verb = Pick(random, s.Motion.Phrases);
        if (s.Motion.Label == "still") return $"{noun} {verb}";
        string adverb = Pick(random, Vocabulary.Speeds.Single(x => x.Name == s.Speed).Adverbs);
        return random.Next(3) switch
        {
            0 => $"{noun} {verb} {adverb}",
            1 => $"{noun} {adverb} {verb}",
            _ => $"{adverb}, {noun} {verb}",
        };
    }

    static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];
}
