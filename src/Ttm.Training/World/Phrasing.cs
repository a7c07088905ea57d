namespace Ttm.Training.World;

/// <summary>What a sentence says about one object, in canonical terms (size null when the sentence leaves it out).</summary>
public sealed record PhrasedObject(string Colour, string Shape, string? Size, string Motion, string Speed)
{
    public static PhrasedObject Of(WorldObject o) => new(o.Colour, o.Shape, SizeIn(o.LocalPrompt, o.Size), o.Motion, o.Speed);
    public static PhrasedObject Of(ObjectTruth o) => new(o.Colour, o.Shape, SizeIn(o.LocalPrompt, o.Size), o.Motion, o.Speed);

    /// <summary>The canonical local prompt names the size first ("The small red circle …") exactly when the caption gave it.</summary>
    static string? SizeIn(string localPrompt, string size) => localPrompt.StartsWith($"The {size} ", StringComparison.Ordinal) ? size : null;
}

/// <summary>A case's plan written in one lexicon: the caption, the motion prompt and one local prompt per object.</summary>
public sealed record PhrasedPlan(string Caption, string MotionPrompt, IReadOnlyList<string> LocalPrompts);

/// <summary>
/// Writes captions, motion prompts and local prompts about shapes-world objects in the words of a
/// <see cref="PhrasingLexicon"/>: the same facts the canonical plan states, said another way.
/// </summary>
public sealed class Phrasing(PhrasingLexicon lexicon)
{
    public PhrasingLexicon Lexicon => lexicon;

    public PhrasedPlan Plan(Random random, IReadOnlyList<PhrasedObject> objects, string? backgroundWord = null)
    {
        string motion = Sentence(random, objects.Select(o => Clause(random, o with { Size = null })).ToList());
        var locals = objects.Select(o => Sentence(random, [Clause(random, o)])).ToList();
        string caption = Sentence(random, objects.Select(o => Clause(random, o)).ToList());
        if (backgroundWord is not null) caption = caption.TrimEnd('.') + $" on a {backgroundWord} background.";
        return new PhrasedPlan(caption, motion, locals);
    }

    /// <summary>The case with its caption, motion prompt and local prompts said in this lexicon's words (the truth unchanged).</summary>
    public WorldCase Reword(WorldCase c, Random random)
    {
        var plan = Plan(random, c.Objects.Select(PhrasedObject.Of).ToList());
        return c with
        {
            Caption = plan.Caption, MotionPrompt = plan.MotionPrompt,
            Objects = c.Objects.Select((o, i) => o with { LocalPrompt = plan.LocalPrompts[i] }).ToList(),
        };
    }

    /// <summary>One clause about one object, e.g. "the crimson ball slides to the left quickly".</summary>
    public string Clause(Random random, PhrasedObject o)
    {
        string colour = Pick(random, lexicon.Colours[o.Colour]);
        string shape = Pick(random, lexicon.Shapes[o.Shape]);
        string size = o.Size is null ? "" : Pick(random, SizeWords(o.Size)) + " ";
        string noun = $"the {size}{colour} {shape}";
        if (o.Motion == "still")
            return Pick(random, lexicon.StillTemplates).Replace("{noun}", noun).Replace("{still}", Pick(random, lexicon.Still));
        var verb = Pick(random, lexicon.Verbs);
        return Pick(random, lexicon.Templates)
            .Replace("{noun}", noun).Replace("{verb}", verb.Third).Replace("{ing}", verb.Ing).Replace("{base}", verb.Base)
            .Replace("{dir}", Pick(random, lexicon.Directions[o.Motion]))
            .Replace("{adv}", Pick(random, o.Speed == "slow" ? lexicon.Slow : lexicon.Fast));
    }

    string Sentence(Random random, IReadOnlyList<string> clauses)
    {
        string sentence = clauses[0];
        for (int i = 1; i < clauses.Count; i++) sentence += Pick(random, lexicon.Joiners) + clauses[i];
        return char.ToUpperInvariant(sentence[0]) + sentence[1..] + ".";
    }

    static string[] SizeWords(string size)
    {
        var words = Vocabulary.Sizes.Single(s => s.Name == size).Synonyms;
        return words.Length > 0 ? words : [size];
    }

    static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];
}
