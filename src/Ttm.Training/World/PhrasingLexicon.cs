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
            new("darts", "darting", "dart"), new("dashes", "dashing", "dash"), new("races", "racing", "race"),
            new("rushes", "rushing", "rush"), new("speeds", "speeding", "speed"),
            new("creeps", "creeping", "creep"), new("crawls", "crawling", "crawl"), new("floats", "floating", "float"),
            new("slips", "slipping", "slip"), new("strolls", "strolling", "stroll"), new("ambles", "ambling", "amble"),
            new("trundles", "trundling", "trundle"), new("coasts", "coasting", "coast"), new("bolts", "bolting", "bolt"),
            new("scurries", "scurrying", "scurry"), new("hops", "hopping", "hop"), new("bounces", "bouncing", "bounce"),
            new("skids", "skidding", "skid"), new("swoops", "swooping", "swoop"), new("advances", "advancing", "advance"),
            new("proceeds", "proceeding", "proceed"), new("veers", "veering", "veer"), new("flies", "flying", "fly"),
            new("shoots", "shooting", "shoot"), new("tumbles", "tumbling", "tumble"), new("slithers", "slithering", "slither"),
            new("inches", "inching", "inch"), new("marches", "marching", "march"), new("trots", "trotting", "trot"),
            new("wobbles", "wobbling", "wobble"), new("lumbers", "lumbering", "lumber"), new("hurtles", "hurtling", "hurtle"),
            new("streaks", "streaking", "streak"), new("zooms", "zooming", "zoom"), new("whizzes", "whizzing", "whizz"),
            new("plods", "plodding", "plod"), new("saunters", "sauntering", "saunter"), new("skates", "skating", "skate"),
            new("flows", "flowing", "flow"), new("steers", "steering", "steer"), new("migrates", "migrating", "migrate"),
        ],
        new Dictionary<string, string[]>
        {
            ["left"] = ["left", "to the left", "leftward", "toward the left", "toward the left edge", "west", "to the west",
                "leftwards", "to its left", "toward the left side", "toward the western side", "in a leftward direction", "across to the left",
                "toward the west", "in the direction of the left edge"],
            ["right"] = ["right", "to the right", "rightward", "toward the right", "toward the right edge", "east", "to the east",
                "rightwards", "to its right", "toward the right side", "toward the eastern side", "in a rightward direction", "across to the right",
                "toward the east", "in the direction of the right edge"],
            ["up"] = ["up", "upward", "upwards", "toward the top", "toward the top edge", "north", "to the north",
                "to the top", "toward the upper edge", "higher", "in an upward direction", "toward the top of the frame", "straight up",
                "toward the north", "up the frame"],
            ["down"] = ["down", "downward", "downwards", "toward the bottom", "toward the bottom edge", "south", "to the south",
                "to the bottom", "toward the lower edge", "lower", "in a downward direction", "toward the bottom of the frame", "straight down",
                "toward the south", "down the frame"],
            ["up-left"] = ["up and to the left", "up and left", "toward the top left", "toward the top-left corner", "diagonally up-left", "to the north-west",
                "toward the upper left", "upward and leftward", "diagonally toward the top left", "north-west", "to the top-left", "up toward the left"],
            ["up-right"] = ["up and to the right", "up and right", "toward the top right", "toward the top-right corner", "diagonally up-right", "to the north-east",
                "toward the upper right", "upward and rightward", "diagonally toward the top right", "north-east", "to the top-right", "up toward the right"],
            ["down-left"] = ["down and to the left", "down and left", "toward the bottom left", "toward the bottom-left corner", "diagonally down-left", "to the south-west",
                "toward the lower left", "downward and leftward", "diagonally toward the bottom left", "south-west", "to the bottom-left", "down toward the left"],
            ["down-right"] = ["down and to the right", "down and right", "toward the bottom right", "toward the bottom-right corner", "diagonally down-right", "to the south-east",
                "toward the lower right", "downward and rightward", "diagonally toward the bottom right", "south-east", "to the bottom-right", "down toward the right"],
        },
        ["stays still", "remains motionless", "does not move", "stays in place", "sits still", "stays put", "is stationary", "keeps still",
            "remains where it is", "holds its position", "does not budge", "does not move at all", "stands still", "is not moving",
            "remains in place", "keeps its place", "stays stationary", "is at rest", "remains still", "stays fixed", "doesn't move", "sits tight",
            "stays motionless", "holds still"],
        ["slowly", "gently", "gradually", "leisurely", "at a slow pace", "at a gentle pace", "lazily", "slowly and steadily", "calmly",
            "steadily", "languidly", "at a leisurely pace", "in no rush", "carefully", "little by little", "bit by bit", "at low speed", "idly"],
        ["quickly", "rapidly", "swiftly", "fast", "at high speed", "at a fast pace", "briskly", "speedily", "at top speed", "at great speed",
            "very fast", "with great speed", "energetically", "like lightning", "in a rush", "at a rapid pace", "at breakneck speed", "quick as a wink"],
        new Dictionary<string, string[]>
        {
            ["red"] = ["red", "crimson", "scarlet", "cherry", "tomato", "strawberry", "vermilion", "blood-red", "fire-red"],
            ["green"] = ["green", "emerald", "lime", "leafy", "mint", "olive", "forest-green", "pea-green"],
            ["blue"] = ["blue", "azure", "cobalt", "navy", "royal-blue", "ultramarine", "denim", "deep-blue"],
            ["yellow"] = ["yellow", "golden", "lemon", "gold", "mustard", "butter-yellow", "saffron", "banana"],
            ["orange"] = ["orange", "tangerine", "amber", "carrot", "copper", "marigold", "rust", "mango"],
            ["purple"] = ["purple", "violet", "lavender", "lilac", "mauve", "grape", "orchid", "eggplant"],
            ["pink"] = ["pink", "rose", "magenta", "coral", "fuchsia", "hot-pink", "blush", "flamingo"],
            ["cyan"] = ["cyan", "turquoise", "aqua", "seafoam", "ice-blue", "glacier-blue", "light-blue", "electric-cyan"],
            ["white"] = ["white", "ivory", "snowy", "milky", "cream", "chalk", "alabaster", "bone-white"],
        },
        new Dictionary<string, string[]>
        {
            ["circle"] = ["circle", "ball", "disc", "dot", "ring", "round shape", "bubble", "coin", "puck"],
            ["square"] = ["square", "box", "block", "cube", "crate", "slab", "panel", "square shape"],
            ["triangle"] = ["triangle", "wedge", "arrowhead", "spike", "delta", "triangular shape"],
            ["diamond"] = ["diamond", "rhombus", "lozenge", "jewel", "rhomb", "tilted square", "diamond shape", "crystal"],
            ["cross"] = ["cross", "plus sign", "plus", "cross shape", "plus symbol", "swiss cross", "medical cross"],
        },
        ["{noun} {verb} {dir} {adv}", "{noun} {adv} {verb} {dir}", "{adv}, {noun} {verb} {dir}", "{noun} {verb} {adv} {dir}",
            "{noun} keeps {ing} {dir} {adv}", "{noun} {verb} {dir}, {adv}", "we see {noun} {ing} {dir} {adv}", "{noun} starts {ing} {dir} {adv}",
            "{noun} will {base} {dir} {adv}", "{noun} can be seen {ing} {dir}, {adv}", "{dir}, {noun} {verb} {adv}", "{noun} begins to {base} {adv} {dir}"],
        ["{noun} {still}", "{noun} {still} throughout", "meanwhile {noun} {still}", "we see that {noun} {still}"],
        [" while ", " and ", " as ", ", while ", "; meanwhile, ", ", and ", " whereas ", " but ", ", but ", "; ", " and meanwhile ", " just as ",
            ", and at the same moment "]);

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
