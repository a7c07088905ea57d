namespace Ttm.Training.World;

/// <summary>A named object colour: the canonical word, its synonyms and its RGB (0-255).</summary>
public sealed record ObjectColour(string Name, string[] Synonyms, byte R, byte G, byte B);

/// <summary>A motion label with its unit direction (image coordinates: +x right, +y down).</summary>
public sealed record MotionKind(string Label, float Dx, float Dy, string Canonical, string[] Phrases);

/// <summary>
/// Every word the shapes world speaks (documented in docs/models.md, The shapes world). Captions draw from the synonyms and
/// phrases; plans (motion prompt, local prompts) use the canonical words, so a planner that maps the
/// synonyms back recovers the truth.
/// </summary>
public static class Vocabulary
{
    public static readonly ObjectColour[] Colours =
    [
        new("red", ["red", "crimson", "scarlet"], 225, 35, 35),
        new("green", ["green", "emerald"], 30, 185, 60),
        new("blue", ["blue", "azure"], 40, 90, 235),
        new("yellow", ["yellow", "golden"], 245, 220, 30),
        new("orange", ["orange", "tangerine"], 250, 135, 15),
        new("purple", ["purple", "violet"], 150, 55, 210),
        new("pink", ["pink", "rose"], 250, 120, 195),
        new("cyan", ["cyan", "turquoise"], 30, 215, 225),
        new("white", ["white", "ivory"], 248, 248, 248),
    ];

    public static readonly (string Name, string[] Synonyms)[] Shapes =
    [
        ("circle", ["circle", "ball", "disc"]),
        ("square", ["square", "box", "block"]),
        ("triangle", ["triangle"]),
        ("diamond", ["diamond", "rhombus"]),
        ("cross", ["cross", "plus sign"]),
    ];

    public static readonly (string Name, string[] Synonyms, float Radius)[] Sizes =
    [
        ("small", ["small", "little", "tiny"], 3.2f),
        ("medium", [], 4.3f),
        ("large", ["large", "big"], 5.5f),
    ];

    /// <summary>Speeds in pixels per frame at 32 pixels across (scaled with the frame size).</summary>
    public static readonly (string Name, string[] Adverbs, float PixelsPerFrame)[] Speeds =
    [
        ("slow", ["slowly", "gently", "gradually"], 0.8f),
        ("fast", ["quickly", "rapidly", "swiftly"], 1.6f),
    ];

    static readonly float D = MathF.Sqrt(0.5f);

    public static readonly MotionKind[] Motions =
    [
        new("left", -1, 0, "moves left", ["moves left", "slides to the left", "drifts left", "heads left", "travels leftward"]),
        new("right", 1, 0, "moves right", ["moves right", "slides to the right", "drifts right", "heads right", "travels rightward"]),
        new("up", 0, -1, "moves up", ["moves up", "rises", "floats upward", "climbs", "travels upward"]),
        new("down", 0, 1, "moves down", ["moves down", "falls", "sinks", "drops", "travels downward"]),
        new("up-left", -D, -D, "moves up and to the left", ["moves up and to the left", "drifts toward the top left", "heads diagonally up-left"]),
        new("up-right", D, -D, "moves up and to the right", ["moves up and to the right", "drifts toward the top right", "heads diagonally up-right"]),
        new("down-left", -D, D, "moves down and to the left", ["moves down and to the left", "drifts toward the bottom left", "heads diagonally down-left"]),
        new("down-right", D, D, "moves down and to the right", ["moves down and to the right", "drifts toward the bottom right", "heads diagonally down-right"]),
        new("still", 0, 0, "stays still", ["stays still", "remains motionless", "does not move", "stays in place", "sits still"]),
    ];

    public static readonly (string Kind, string[] Words)[] Backgrounds =
    [
        ("solid", ["plain", "dark", "gray", "solid"]),
        ("gradient", ["gradient", "shaded"]),
        ("texture", ["textured", "mottled"]),
    ];

    /// <summary>How clauses about several objects are joined.</summary>
    public static readonly string[] Joiners = [" while ", " and ", " as ", ", while ", "; meanwhile, "];

    public static MotionKind Motion(string label) => Motions.Single(m => m.Label == label);
}
