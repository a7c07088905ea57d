namespace Ttm.Training.World;

/// <summary>A verb of motion in the three forms the templates need ("slides", "sliding", "slide").</summary>
public sealed record MotionVerb(string Third, string Ing, string Base);

/// <summary>
/// The words and templates one way of speaking about the shapes world draws from. Two lexicons exist and
/// share no verb, adverb, stillness phrase, synonym, joiner or template: <see cref="Training"/> (what the models
/// are trained on, beside the canonical words) and <see cref="HeldOut"/> (the paraphrase suite, never seen in
/// training; a test keeps them apart). Direction phrases are disjoint as phrases; English has few words for
/// "right", so a direction's core word may appear in both ("to the right" in training, "over to the right-hand
/// side" held out).
/// </summary>
/// <param name="Directions">per motion label (not "still"): phrases that follow a verb of motion</param>
/// <param name="Still">whole predicates for "still"</param>
/// <param name="Slow">speed phrases for slow; <paramref name="Fast"/> the same for fast</param>
/// <param name="Colours">per canonical colour: words for it</param>
/// <param name="Shapes">per canonical shape: words for it</param>
/// <param name="Templates">one clause: {noun} {verb} (third person), {ing}, {base}, {dir}, {adv}, {still} (a whole predicate)</param>
/// <param name="StillTemplates">one clause about an object that does not move: {noun}, {still}</param>
public sealed record PhrasingLexicon(
    string Name,
    MotionVerb[] Verbs,
    IReadOnlyDictionary<string, string[]> Directions,
    string[] Still,
    string[] Slow,
    string[] Fast,
    IReadOnlyDictionary<string, string[]> Colours,
    IReadOnlyDictionary<string, string[]> Shapes,
    string[] Templates,
    string[] StillTemplates,
    string[] Joiners)
{
    public static readonly PhrasingLexicon Training = new(
        "training",
        [
            new("moves", "moving", "move"), new("goes", "going", "go"), new("slides", "sliding", "slide"),
            new("heads", "heading", "head"), new("travels", "travelling", "travel"), new("drifts", "drifting", "drift"),
            new("glides", "gliding", "glide"), new("shifts", "shifting", "shift"), new("rolls", "rolling", "roll"),
            new("runs", "running", "run"), new("makes its way", "making its way", "make its way"), new("moves over", "moving over", "move over"),
        ],
        new Dictionary<string, string[]>
        {
            ["left"] = ["left", "to the left", "leftward", "toward the left", "toward the left edge", "west", "to the west"],
            ["right"] = ["right", "to the right", "rightward", "toward the right", "toward the right edge", "east", "to the east"],
            ["up"] = ["up", "upward", "upwards", "toward the top", "toward the top edge", "north", "to the north"],
            ["down"] = ["down", "downward", "downwards", "toward the bottom", "toward the bottom edge", "south", "to the south"],
            ["up-left"] = ["up and to the left", "up and left", "toward the top left", "toward the top-left corner", "diagonally up-left", "to the north-west"],
            ["up-right"] = ["up and to the right", "up and right", "toward the top right", "toward the top-right corner", "diagonally up-right", "to the north-east"],
            ["down-left"] = ["down and to the left", "down and left", "toward the bottom left", "toward the bottom-left corner", "diagonally down-left", "to the south-west"],
            ["down-right"] = ["down and to the right", "down and right", "toward the bottom right", "toward the bottom-right corner", "diagonally down-right", "to the south-east"],
        },
        ["stays still", "remains motionless", "does not move", "stays in place", "sits still", "stays put", "is stationary", "keeps still",
            "remains where it is", "holds its position", "does not budge"],
        ["slowly", "gently", "gradually", "leisurely", "at a slow pace", "at a gentle pace", "lazily"],
        ["quickly", "rapidly", "swiftly", "fast", "at high speed", "at a fast pace", "briskly"],
        new Dictionary<string, string[]>
        {
            ["red"] = ["red", "crimson", "scarlet", "cherry"], ["green"] = ["green", "emerald", "lime"], ["blue"] = ["blue", "azure", "cobalt"],
            ["yellow"] = ["yellow", "golden", "lemon"], ["orange"] = ["orange", "tangerine", "amber"], ["purple"] = ["purple", "violet", "lavender"],
            ["pink"] = ["pink", "rose", "magenta"], ["cyan"] = ["cyan", "turquoise", "aqua"], ["white"] = ["white", "ivory", "snowy"],
        },
        new Dictionary<string, string[]>
        {
            ["circle"] = ["circle", "ball", "disc", "dot"], ["square"] = ["square", "box", "block", "cube"], ["triangle"] = ["triangle", "wedge"],
            ["diamond"] = ["diamond", "rhombus", "lozenge"], ["cross"] = ["cross", "plus sign", "plus"],
        },
        ["{noun} {verb} {dir} {adv}", "{noun} {adv} {verb} {dir}", "{adv}, {noun} {verb} {dir}", "{noun} {verb} {adv} {dir}"],
        ["{noun} {still}"],
        [" while ", " and ", " as ", ", while ", "; meanwhile, ", ", and ", " whereas "]);

    public static readonly PhrasingLexicon HeldOut = new(
        "held-out",
        [
            new("zips", "zipping", "zip"), new("scoots", "scooting", "scoot"), new("wanders", "wandering", "wander"),
            new("cruises", "cruising", "cruise"), new("sails", "sailing", "sail"), new("edges", "edging", "edge"),
            new("meanders", "meandering", "meander"), new("journeys", "journeying", "journey"),
        ],
        new Dictionary<string, string[]>
        {
            ["left"] = ["westward", "over to the left-hand side", "off to the west", "away to the left"],
            ["right"] = ["eastward", "over to the right-hand side", "off to the east", "away to the right"],
            ["up"] = ["skyward", "toward the ceiling", "northward", "up toward the sky"],
            ["down"] = ["toward the floor", "southward", "earthward", "down toward the ground"],
            ["up-left"] = ["toward the northwest", "to the upper-left corner", "northwestward", "up into the left-hand corner"],
            ["up-right"] = ["toward the northeast", "to the upper-right corner", "northeastward", "up into the right-hand corner"],
            ["down-left"] = ["toward the southwest", "to the lower-left corner", "southwestward", "down into the left-hand corner"],
            ["down-right"] = ["toward the southeast", "to the lower-right corner", "southeastward", "down into the right-hand corner"],
        },
        ["stays exactly where it is", "stands its ground", "is frozen in place", "remains rooted to the spot", "never moves", "rests without moving"],
        ["without hurrying", "unhurriedly", "at a crawl", "sluggishly", "at a snail's pace"],
        ["in a hurry", "like a shot", "hastily", "at full tilt", "in a flash"],
        new Dictionary<string, string[]>
        {
            ["red"] = ["ruby", "cardinal"], ["green"] = ["jade", "grass-green"], ["blue"] = ["sapphire", "cornflower"],
            ["yellow"] = ["canary", "sunflower"], ["orange"] = ["pumpkin", "apricot"], ["purple"] = ["plum", "amethyst"],
            ["pink"] = ["salmon", "bubblegum"], ["cyan"] = ["teal", "aquamarine"], ["white"] = ["pearl", "snow-white"],
        },
        new Dictionary<string, string[]>
        {
            ["circle"] = ["orb", "sphere"], ["square"] = ["tile", "brick"], ["triangle"] = ["pyramid", "three-sided shape"],
            ["diamond"] = ["gem", "kite"], ["cross"] = ["plus mark", "crosshair"],
        },
        ["{noun} is {ing} {dir} {adv}", "watch {noun} {base} {dir} {adv}", "{dir} {verb} {noun}, {adv}", "{noun} {verb}, {adv}, {dir}"],
        ["{noun} {still}", "as for {noun}, it {still}"],
        [" even as ", "; at the same time, ", " - and ", ", whilst "]);
}
