using System.Collections.Frozen;
using Ttm.Contracts;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline.Segmentation;

/// <summary>How one plan object was tied to a mask: by the request's hint, by its colour word, by automatic masks, or not at all.</summary>
public sealed record GroundedObject(int Index, string Name, Mask? Mask, string Method, string Detail)
{
    /// <summary>How it was found, without its mask: what events, summary.json and other silos carry.</summary>
    public SegmentedObject Summary() => new(Name, Method, Detail, Mask?.Area ?? 0);
}

/// <summary>
/// Ties the plan's objects to masks (the paper uses Grounding DINO boxes, which we cannot get). In order:
/// 1. request hints (points / boxes) prompt SAM directly;
/// 2. an object with a colour word is seeded at the centre of the largest blob of pixels near that colour
///    and prompted as a point (other objects' seeds excluded);
/// 3. otherwise automatic masks (a grid of point prompts from the centre out, skipping points on background already
///    found) are matched by colour and shape words, and objects with neither take the remaining masks nearest the
///    centre first (a photograph's subject), in order of mention: when no object left has such words, the search
///    stops as soon as it has a mask for each;
/// an object that nothing matches gets no mask (Method "missing") and the plan says so.
/// </summary>
public sealed class Grounding(SamSegmenter segmenter)
{
    /// <summary>RGB of the colour words the planner knows.</summary>
    public static readonly FrozenDictionary<string, (byte R, byte G, byte B)> ColourValues = new Dictionary<string, (byte R, byte G, byte B)>
    {
        ["red"] = (220, 40, 40), ["green"] = (40, 175, 60), ["blue"] = (40, 85, 230), ["yellow"] = (240, 220, 40),
        ["orange"] = (250, 140, 20), ["purple"] = (145, 60, 205), ["pink"] = (250, 120, 190), ["cyan"] = (35, 210, 220),
        ["white"] = (245, 245, 245), ["black"] = (20, 20, 20), ["gray"] = (128, 128, 128), ["brown"] = (130, 80, 40),
    }.ToFrozenDictionary();

    /// <summary>How much of its bounding box each known shape fills.</summary>
    static readonly FrozenDictionary<string, double> Fill = new Dictionary<string, double>
    {
        ["circle"] = 0.785, ["square"] = 1.0, ["triangle"] = 0.5, ["diamond"] = 0.5, ["cross"] = 0.56,
    }.ToFrozenDictionary();

    /// <summary>Largest RGB distance (0-441) at which a pixel counts as a colour word's colour.</summary>
    const double SeedDistance = 90;

    public IReadOnlyList<GroundedObject> Ground(RgbImage image, SamSegmenter.Embedding embedding, IReadOnlyList<ObjectPrompt> objects,
        IReadOnlyList<ObjectHint?>? hints = null)
    {
        var result = new GroundedObject?[objects.Count];
        var prompts = new ObjectHint?[objects.Count];
        var methods = new string[objects.Count];
        for (int i = 0; i < objects.Count; i++)
        {
            if (hints is not null && i < hints.Count && hints[i] is { } hint)
            {
                prompts[i] = hint;
                methods[i] = "hint";
            }
            else if (objects[i].Colour is { } colour && ColourValues.TryGetValue(colour, out var rgb) && Seed(image, rgb) is { } seed)
            {
                prompts[i] = ObjectHint.At(seed.X, seed.Y);
                methods[i] = "colour";
            }
        }
        var prompted = Enumerable.Range(0, objects.Count).Where(i => prompts[i] is not null).ToList();
        var masks = segmenter.SegmentObjects(embedding, prompted.Select(i => prompts[i]!).ToList());
        for (int k = 0; k < prompted.Count; k++)
        {
            int i = prompted[k];
            result[i] = new GroundedObject(i, objects[i].Name, masks[k], methods[i], methods[i] == "hint" ? "request hint" : $"seeded on {objects[i].Colour} pixels");
        }

        var rest = Enumerable.Range(0, objects.Count).Where(i => result[i] is null).ToList();
        if (rest.Count > 0)
        {
            bool worded = rest.Any(i => Worded(objects[i]));
            var candidates = segmenter.SegmentEverything(embedding, known: masks, enough: worded ? null : rest.Count).ToList();
            foreach (var (i, mask, detail) in Match(image, rest.Select(i => (i, objects[i])).ToList(), candidates))
                result[i] = new GroundedObject(i, objects[i].Name, mask, mask is null ? "missing" : "automatic", detail);
        }
        return result.Select(r => r!).ToList();
    }

    static bool Worded(ObjectPrompt o) => o.Colour is not null && ColourValues.ContainsKey(o.Colour) || o.Noun is not null && Fill.ContainsKey(o.Noun);

    /// <summary>Greedy matching of objects to automatic masks by colour and shape words; the rest take the masks found first (nearest the centre).</summary>
    static IEnumerable<(int Index, Mask? Mask, string Detail)> Match(RgbImage image, List<(int Index, ObjectPrompt Object)> objects, List<Mask> candidates)
    {
        var free = new List<Mask>(candidates);
        var pairs = new List<(double Cost, int Index, Mask Mask)>();
        foreach (var (index, o) in objects)
        {
            bool colour = o.Colour is not null && ColourValues.ContainsKey(o.Colour);
            bool shape = o.Noun is not null && Fill.ContainsKey(o.Noun);
            if (!colour && !shape) continue;
            foreach (var m in free)
            {
                double cost = 0;
                if (colour) cost += Distance(MeanColour(image, m), ColourValues[o.Colour!]) / 441.0;
                if (shape) cost += Math.Abs(FillRatio(m) - Fill[o.Noun!]);
                pairs.Add((cost, index, m));
            }
        }
        var done = new HashSet<int>();
        foreach (var (cost, index, mask) in pairs.OrderBy(p => p.Cost))
        {
            if (done.Contains(index) || !free.Contains(mask)) continue;
            done.Add(index);
            free.Remove(mask);
            yield return (index, mask, $"automatic mask matched by colour/shape (cost {cost:F2})");
        }
        foreach (var (index, _) in objects.Where(o => !done.Contains(o.Index)))
        {
            var nearest = free.FirstOrDefault();
            if (nearest is not null) free.Remove(nearest);
            yield return (index, nearest, nearest is null ? "no object-like mask found for this object" : "the remaining automatic mask nearest the centre");
        }
    }

    /// <summary>The pixel nearest the centroid of the largest 4-connected blob within <see cref="SeedDistance"/> of a colour.</summary>
    static (float X, float Y)? Seed(RgbImage image, (byte R, byte G, byte B) colour)
    {
        int w = image.Width, h = image.Height;
        var near = new bool[w * h];
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            near[y * w + x] = Distance(image[x, y], colour) <= SeedDistance;
        var seen = new bool[w * h];
        List<int>? best = null;
        for (int start = 0; start < near.Length; start++)
        {
            if (!near[start] || seen[start]) continue;
            var blob = new List<int>();
            var stack = new Stack<int>([start]);
            seen[start] = true;
            while (stack.Count > 0)
            {
                int p = stack.Pop();
                blob.Add(p);
                int px = p % w, py = p / w;
                foreach (var (nx, ny) in new[] { (px - 1, py), (px + 1, py), (px, py - 1), (px, py + 1) })
                {
                    if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                    int q = ny * w + nx;
                    if (near[q] && !seen[q]) { seen[q] = true; stack.Push(q); }
                }
            }
            if (best is null || blob.Count > best.Count) best = blob;
        }
        if (best is null || best.Count < Math.Max(3, w * h / 5000)) return null;
        double cx = best.Average(p => p % w), cy = best.Average(p => p / w);
        int seed = best.MinBy(p => Math.Pow(p % w - cx, 2) + Math.Pow(p / w - cy, 2));
        return (seed % w, seed / w);
    }

    static (byte R, byte G, byte B) MeanColour(RgbImage image, Mask mask)
    {
        double r = 0, g = 0, b = 0;
        int n = 0;
        for (int i = 0; i < mask.Pixels.Length; i++)
        {
            if (!mask.Pixels[i]) continue;
            var c = image[i % image.Width, i / image.Width];
            r += c.R; g += c.G; b += c.B; n++;
        }
        return n == 0 ? ((byte)0, (byte)0, (byte)0) : ((byte)(r / n), (byte)(g / n), (byte)(b / n));
    }

    static double FillRatio(Mask mask)
    {
        var box = mask.Bounds();
        double area = (box.X1 - box.X0) * (box.Y1 - box.Y0);
        return area <= 0 ? 0 : mask.Area / area;
    }

    static double Distance((byte R, byte G, byte B) a, (byte R, byte G, byte B) b) =>
        Math.Sqrt(Math.Pow(a.R - b.R, 2) + Math.Pow(a.G - b.G, 2) + Math.Pow(a.B - b.B, 2));
}
