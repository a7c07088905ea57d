namespace Ttm.Pipeline.Planning;

/// <summary>The words the rule planner understands: colours, nouns, sizes, directions, stillness and speed.</summary>
static class MotionLexicon
{
    public static readonly Dictionary<string, string> Colours = new()
    {
        ["red"] = "red", ["crimson"] = "red", ["scarlet"] = "red", ["maroon"] = "red",
        ["green"] = "green", ["emerald"] = "green", ["olive"] = "green",
        ["blue"] = "blue", ["azure"] = "blue", ["navy"] = "blue", ["cobalt"] = "blue",
        ["yellow"] = "yellow", ["golden"] = "yellow", ["gold"] = "yellow",
        ["orange"] = "orange", ["tangerine"] = "orange", ["amber"] = "orange",
        ["purple"] = "purple", ["violet"] = "purple", ["lavender"] = "purple",
        ["pink"] = "pink", ["rose"] = "pink", ["magenta"] = "pink",
        ["cyan"] = "cyan", ["turquoise"] = "cyan", ["teal"] = "cyan", ["aqua"] = "cyan",
        ["white"] = "white", ["ivory"] = "white",
        ["black"] = "black", ["gray"] = "gray", ["grey"] = "gray", ["silver"] = "gray", ["brown"] = "brown",
    };

    /// <summary>Nouns with a canonical form; multi-word nouns first so they match before their parts.</summary>
    public static readonly (string Phrase, string Canonical)[] Nouns =
    [
        ("plus sign", "cross"), ("circle", "circle"), ("ball", "circle"), ("disc", "circle"), ("disk", "circle"), ("dot", "circle"),
        ("square", "square"), ("box", "square"), ("block", "square"), ("cube", "square"),
        ("triangle", "triangle"), ("diamond", "diamond"), ("rhombus", "diamond"), ("cross", "cross"),
    ];

    public static readonly Dictionary<string, string> Sizes = new()
    {
        ["small"] = "small", ["little"] = "small", ["tiny"] = "small",
        ["large"] = "large", ["big"] = "large", ["huge"] = "large",
    };

    public static readonly Dictionary<string, string> Speeds = new()
    {
        ["slowly"] = "slow", ["gently"] = "slow", ["gradually"] = "slow", ["leisurely"] = "slow",
        ["quickly"] = "fast", ["rapidly"] = "fast", ["swiftly"] = "fast", ["fast"] = "fast", ["speedily"] = "fast",
    };

    public static readonly string[] Up = ["up", "upward", "upwards", "rises", "rise", "climbs", "climb", "ascends", "top", "upper", "up-left", "up-right", "north"];
    public static readonly string[] Down = ["down", "downward", "downwards", "falls", "fall", "sinks", "sink", "drops", "drop", "descends", "bottom", "lower", "down-left", "down-right", "south"];
    public static readonly string[] Left = ["left", "leftward", "leftwards", "up-left", "down-left", "west"];
    public static readonly string[] Right = ["right", "rightward", "rightwards", "up-right", "down-right", "east"];
    public static readonly string[] Still = ["still", "motionless", "stationary", "place", "put", "not move", "n't move", "doesn't move", "static"];

    /// <summary>Canonical verb phrase per motion label, as the shipped models were trained on.</summary>
    public static readonly Dictionary<string, string> Canonical = new()
    {
        ["left"] = "moves left", ["right"] = "moves right", ["up"] = "moves up", ["down"] = "moves down",
        ["up-left"] = "moves up and to the left", ["up-right"] = "moves up and to the right",
        ["down-left"] = "moves down and to the left", ["down-right"] = "moves down and to the right",
        ["still"] = "stays still",
    };
}
