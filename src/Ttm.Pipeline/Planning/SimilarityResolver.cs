using Ttm.Models.Text;

namespace Ttm.Pipeline.Planning;

/// <summary>A guess by meaning: the canonical value and how sure (cosine similarity of the mean-pooled MiniLM states).</summary>
public sealed record Resolved(string Value, double Confidence);

/// <summary>
/// What the rules do not know, resolved by meaning with the text encoder the project ships (MiniLM): a motion phrase
/// against example phrases of each compass label, an unknown colour or shape word against the canonical ones. Below
/// <see cref="MinimumConfidence"/>, or within <see cref="MinimumMargin"/> of another label, nothing is returned and the
/// plan says the phrase was not understood. Measured on MiniLM: single words rarely clear the bar (a colour word such as
/// "ruby" scores 0.35 against "red"; the lexicon knows those), shape words sometimes do ("sphere" → circle 0.58, next
/// 0.41), and motion phrases that mix directions are near-ties ("sails down into the left-hand corner": up-left 0.74,
/// down-left 0.71), which the margin refuses rather than guess.
/// </summary>
public sealed class SimilarityResolver(ITextEncoder encoder)
{
    /// <summary>Cosine similarity a guess needs (SimilarityResolverTests holds the calibration words).</summary>
    public const double MinimumConfidence = 0.55;

    /// <summary>How far the best label must lead the next one.</summary>
    public const double MinimumMargin = 0.05;

    /// <summary>Examples per motion label, in plain words (the planner's own, not any benchmark's).</summary>
    static readonly (string Label, string[] Phrases)[] MotionExamples =
    [
        ("left", ["moves left", "goes to the left", "travels west", "heads leftward"]),
        ("right", ["moves right", "goes to the right", "travels east", "heads rightward"]),
        ("up", ["moves up", "goes upward", "rises toward the top", "travels north"]),
        ("down", ["moves down", "goes downward", "falls toward the bottom", "travels south"]),
        ("up-left", ["moves up and to the left", "goes toward the top left corner", "travels north-west"]),
        ("up-right", ["moves up and to the right", "goes toward the top right corner", "travels north-east"]),
        ("down-left", ["moves down and to the left", "goes toward the bottom left corner", "travels south-west"]),
        ("down-right", ["moves down and to the right", "goes toward the bottom right corner", "travels south-east"]),
        ("still", ["stays still", "does not move", "remains in place", "stays where it is"]),
    ];

    static readonly string[] ColourNames = ["red", "green", "blue", "yellow", "orange", "purple", "pink", "cyan", "white", "black", "gray", "brown"];
    static readonly string[] ShapeNames = ["circle", "square", "triangle", "diamond", "cross"];

    readonly Lazy<(string Label, float[] Vector)[]> motions = new(() =>
        MotionExamples.SelectMany(m => m.Phrases.Select(p => (m.Label, Embed(encoder, p)))).ToArray());
    readonly Lazy<(string Label, float[] Vector)[]> colours = new(() => ColourNames.Select(c => (c, Embed(encoder, c))).ToArray());
    readonly Lazy<(string Label, float[] Vector)[]> shapes = new(() => ShapeNames.Select(s => (s, Embed(encoder, s))).ToArray());

    /// <summary>The compass label (or "still") a predicate such as "wanders off toward the window" means, if any is close enough.</summary>
    public Resolved? Motion(string predicate) => Nearest(motions.Value, Embed(encoder, "it " + predicate));

    public Resolved? Colour(string word) => Nearest(colours.Value, Embed(encoder, word));

    public Resolved? Shape(string word) => Nearest(shapes.Value, Embed(encoder, word));

    /// <summary>Every label's best similarity to <paramref name="text"/> (for calibration and the tests).</summary>
    public IReadOnlyList<(string Label, double Score)> Scores(string kind, string text)
    {
        var (bank, query) = kind switch
        {
            "motion" => (motions.Value, Embed(encoder, "it " + text)),
            "colour" => (colours.Value, Embed(encoder, text)),
            "shape" => (shapes.Value, Embed(encoder, text)),
            _ => throw new ArgumentException($"kind must be motion, colour or shape, not '{kind}'.", nameof(kind)),
        };
        return bank.GroupBy(b => b.Label).Select(g => (g.Key, g.Max(b => Dot(b.Vector, query)))).OrderByDescending(x => x.Item2).ToList();
    }

    static Resolved? Nearest((string Label, float[] Vector)[] bank, float[] query)
    {
        var ranked = bank.GroupBy(b => b.Label).Select(g => (Label: g.Key, Score: g.Max(b => Dot(b.Vector, query)))).OrderByDescending(x => x.Score).ToList();
        return ranked[0].Score >= MinimumConfidence && ranked[0].Score - ranked[1].Score >= MinimumMargin
            ? new Resolved(ranked[0].Label, Math.Round(ranked[0].Score, 3)) : null;
    }

    /// <summary>Mean of the token states, unit length (how sentence-transformers pools all-MiniLM-L6-v2); a user's words are not cached.</summary>
    static float[] Embed(ITextEncoder encoder, string text)
    {
        var e = encoder.EncodeOnce(text);
        var mean = new float[e.Width];
        for (int t = 0; t < e.Length; t++)
            for (int i = 0; i < e.Width; i++) mean[i] += e.States[t * e.Width + i];
        double norm = Math.Sqrt(mean.Sum(v => (double)v * v));
        for (int i = 0; i < mean.Length; i++) mean[i] = (float)(mean[i] / Math.Max(norm, 1e-12));
        return mean;
    }

    static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
