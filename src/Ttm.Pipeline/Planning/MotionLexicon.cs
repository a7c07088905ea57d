using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Ttm.Pipeline.Planning;

/// <summary>
/// The words the rule planner understands: colours, nouns, sizes, directions (compass, corner and edge words),
/// stillness and speed, and idioms it rewrites to a plain word before reading ("stands its ground" → still,
/// "in a hurry" → quickly). General English, written for the planner; what it does not know, the
/// <see cref="SimilarityResolver"/> tries by meaning.
/// </summary>
static class MotionLexicon
{
    public static readonly FrozenDictionary<string, string> Colours = Words(
        ("red", "red crimson scarlet maroon ruby cherry cardinal vermilion burgundy carmine"),
        ("green", "green emerald olive jade lime grass-green mint forest-green"),
        ("blue", "blue azure navy cobalt sapphire cornflower cerulean sky-blue royal-blue indigo"),
        ("yellow", "yellow golden gold lemon canary sunflower mustard"),
        ("orange", "orange tangerine amber pumpkin apricot carrot"),
        ("purple", "purple violet lavender plum amethyst lilac mauve"),
        ("pink", "pink rose magenta salmon bubblegum fuchsia"),
        ("cyan", "cyan turquoise teal aqua aquamarine"),
        ("white", "white ivory snowy snow-white pearl cream"),
        ("black", "black"), ("gray", "gray grey silver"), ("brown", "brown"));

    /// <summary>Nouns with a canonical form; multi-word nouns first so they match before their parts.</summary>
    public static readonly ImmutableArray<(string Phrase, string Canonical)> Nouns =
    [
        ("plus sign", "cross"), ("plus mark", "cross"), ("three-sided shape", "triangle"),
        ("circle", "circle"), ("ball", "circle"), ("disc", "circle"), ("disk", "circle"), ("dot", "circle"), ("orb", "circle"),
        ("sphere", "circle"), ("ring", "circle"), ("marble", "circle"), ("coin", "circle"),
        ("square", "square"), ("box", "square"), ("block", "square"), ("cube", "square"), ("tile", "square"), ("brick", "square"),
        ("rectangle", "square"),
        ("triangle", "triangle"), ("wedge", "triangle"), ("pyramid", "triangle"),
        ("diamond", "diamond"), ("rhombus", "diamond"), ("lozenge", "diamond"), ("gem", "diamond"), ("kite", "diamond"),
        ("cross", "cross"), ("plus", "cross"), ("crosshair", "cross"),
    ];

    public static readonly FrozenDictionary<string, string> Sizes = Words(
        ("small", "small little tiny wee"), ("large", "large big huge giant"));

    public static readonly FrozenDictionary<string, string> Speeds = Words(
        ("slow", "slowly gently gradually leisurely lazily unhurriedly sluggishly calmly slow creeps creep crawls crawl inches ambles strolls plods"),
        ("fast", "quickly rapidly swiftly fast speedily briskly hastily hurriedly zips darts races dashes rushes speeds zooms shoots bolts"));

    public static readonly FrozenSet<string> Up = new[] { "up", "upward", "upwards", "rises", "rise", "climbs", "climb", "ascends", "top", "upper", "north",
        "northward", "northwards", "sky", "skyward", "skywards", "heavenward", "heavenwards", "ceiling", "up-left", "up-right", "upper-left",
        "upper-right", "top-left", "top-right", "northeast", "north-east", "northwest", "north-west", "northeastward", "northwestward" }.ToFrozenSet();
    public static readonly FrozenSet<string> Down = new[] { "down", "downward", "downwards", "falls", "fall", "sinks", "sink", "drops", "drop", "descends",
        "bottom", "lower", "south", "southward", "southwards", "floor", "ground", "earthward", "earthwards", "groundward", "down-left",
        "down-right", "lower-left", "lower-right", "bottom-left", "bottom-right", "southeast", "south-east", "southwest", "south-west",
        "southeastward", "southwestward" }.ToFrozenSet();
    public static readonly FrozenSet<string> Left = new[] { "left", "leftward", "leftwards", "west", "westward", "westwards", "left-hand", "up-left",
        "down-left", "upper-left", "lower-left", "top-left", "bottom-left", "northwest", "north-west", "southwest", "south-west",
        "northwestward", "southwestward" }.ToFrozenSet();
    public static readonly FrozenSet<string> Right = new[] { "right", "rightward", "rightwards", "east", "eastward", "eastwards", "eastbound", "right-hand",
        "up-right", "down-right", "upper-right", "lower-right", "top-right", "bottom-right", "northeast", "north-east", "southeast", "south-east",
        "northeastward", "southeastward" }.ToFrozenSet();
    public static readonly FrozenSet<string> Still = new[] { "still", "motionless", "stationary", "static", "place", "put", "frozen", "rooted", "budge",
        "unmoving", "immobile" }.ToFrozenSet();

    /// <summary>Idioms rewritten to one plain word before the sentence is read (so their parts are not read on their own).</summary>
    public static readonly ImmutableArray<(Regex Pattern, string Word)> Idioms =
    [
        (Idiom(@"stands? (?:its|his|her|their) ground"), "still"), (Idiom(@"(?:exactly |right )?where (?:it|they) (?:is|are|was)"), "still"),
        (Idiom(@"without (?:moving|motion)"), "still"), (Idiom(@"never moves?"), "still"), (Idiom(@"(?:does ?n[o']t|do ?n[o']t|does not|do not|won't|will not) (?:move|budge)"), "still"),
        (Idiom(@"to the spot"), "still"), (Idiom(@"holds? (?:its|their) position"), "still"),
        (Idiom(@"without (?:hurrying|haste|rushing)"), "slowly"), (Idiom(@"(?:at|with) a (?:crawl|snail's pace|slow pace|gentle pace|leisurely pace)"), "slowly"),
        (Idiom(@"taking (?:its|their) time"), "slowly"), (Idiom(@"in no hurry"), "slowly"),
        (Idiom(@"in a (?:hurry|flash|rush)"), "quickly"), (Idiom(@"like a shot"), "quickly"), (Idiom(@"at (?:full tilt|full speed|high speed|a fast pace|a quick pace|speed)"), "quickly"),
    ];

    /// <summary>Canonical verb phrase per motion label, as the shipped models were trained on.</summary>
    public static readonly FrozenDictionary<string, string> Canonical = new Dictionary<string, string>
    {
        ["left"] = "moves left", ["right"] = "moves right", ["up"] = "moves up", ["down"] = "moves down",
        ["up-left"] = "moves up and to the left", ["up-right"] = "moves up and to the right",
        ["down-left"] = "moves down and to the left", ["down-right"] = "moves down and to the right",
        ["still"] = "stays still",
    }.ToFrozenDictionary();

    public static string RewriteIdioms(string text)
    {
        foreach (var (pattern, word) in Idioms) text = pattern.Replace(text, $" {word} ");
        return text;
    }

    static Regex Idiom(string pattern) => new($@"\b{pattern}\b", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    static FrozenDictionary<string, string> Words(params (string Canonical, string Words)[] groups) =>
        groups.SelectMany(g => g.Words.Split(' ').Select(w => (w, g.Canonical))).ToFrozenDictionary(p => p.w, p => p.Canonical);
}
