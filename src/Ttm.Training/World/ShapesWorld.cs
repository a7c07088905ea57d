namespace Ttm.Training.World;

/// <summary>Which object counts a world draws from.</summary>
public enum WorldSplit { Single, Multi, Mixed }

/// <summary>
/// The procedural world the shipped models learn: 1-3 coloured shapes on a solid, gradient or textured
/// background, each with its own motion (8 directions or still) and speed, drawn in z-order so objects may
/// occlude each other; in multi-object cases the objects move differently. Deterministic by seed.
/// </summary>
public sealed class ShapesWorld(int frames = 8, int height = 32, int width = 32)
{
    public int Frames => frames;
    public int Height => height;
    public int Width => width;

    const int Supersample = 3;

    public WorldCase Generate(long seed, WorldSplit split = WorldSplit.Mixed)
    {
        var random = new Random(unchecked((int)(seed * 2654435761L % int.MaxValue)) ^ (int)(seed >> 31));
        int count = split switch
        {
            WorldSplit.Single => 1,
            WorldSplit.Multi => random.Next(2, 4),
            _ => random.Next(1, 4),
        };
        float scale = Math.Min(height, width) / 32f;

        // Objects: distinct colours, distinct motions when several.
        var colours = Vocabulary.Colours.OrderBy(_ => random.Next()).Take(count).ToArray();
        var motions = Vocabulary.Motions.OrderBy(_ => random.Next()).Take(count).ToArray();
        var specs = new List<ObjectSpec>();
        for (int i = 0; i < count; i++)
        {
            var shape = Vocabulary.Shapes[random.Next(Vocabulary.Shapes.Length)];
            var size = Vocabulary.Sizes[random.Next(Vocabulary.Sizes.Length)];
            var speed = Vocabulary.Speeds[random.Next(Vocabulary.Speeds.Length)];
            var motion = motions[i];
            float radius = size.Radius * scale;
            float v = speed.PixelsPerFrame * scale;
            float dx = motion.Dx * v, dy = motion.Dy * v;
            // Start where the whole path stays inside the frame.
            float travelX = dx * (frames - 1), travelY = dy * (frames - 1);
            float x0 = Uniform(random, radius + Math.Max(0, -travelX), width - 1 - radius - Math.Max(0, travelX));
            float y0 = Uniform(random, radius + Math.Max(0, -travelY), height - 1 - radius - Math.Max(0, travelY));
            bool sizeMentioned = size.Synonyms.Length > 0 && random.Next(2) == 0;
            specs.Add(new ObjectSpec(colours[i], shape.Name, size.Name, sizeMentioned, radius, motion, speed.Name, x0, y0, dx, dy));
        }
        var zOrder = Enumerable.Range(0, count).OrderBy(_ => random.Next()).ToArray(); // drawn back to front

        // Background.
        var background = Vocabulary.Backgrounds[random.Next(Vocabulary.Backgrounds.Length)];
        var backgroundPixels = Background(random, background.Kind);

        // Render.
        var pixels = new float[frames * height * width * 3];
        var labels = new int[frames * height * width];
        var coverage = new float[count];
        for (int t = 0; t < frames; t++)
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            int p = (t * height + y) * width + x;
            float r = backgroundPixels[(y * width + x) * 3], g = backgroundPixels[(y * width + x) * 3 + 1], b = backgroundPixels[(y * width + x) * 3 + 2];
            int label = 0;
            foreach (int i in zOrder)
            {
                var o = specs[i];
                float a = Coverage(o, o.X0 + o.Dx * t, o.Y0 + o.Dy * t, x, y);
                if (a <= 0) continue;
                r = r * (1 - a) + a * o.Colour.R / 255f;
                g = g * (1 - a) + a * o.Colour.G / 255f;
                b = b * (1 - a) + a * o.Colour.B / 255f;
                if (a >= 0.5f) label = i + 1;
            }
            pixels[p * 3] = r;
            pixels[p * 3 + 1] = g;
            pixels[p * 3 + 2] = b;
            labels[p] = label;
        }

        var captionParts = new List<string>();
        var objects = new List<WorldObject>();
        for (int i = 0; i < count; i++)
        {
            var (centroids, boxes) = Track(labels, i + 1);
            var o = specs[i];
            objects.Add(new WorldObject($"{o.Colour.Name} {o.Shape}", o.Colour.Name, o.Shape, o.Size, o.Motion.Label, o.Speed,
                Captions.LocalPrompt(o.Colour.Name, o.Shape, o.SizeMentioned ? o.Size : null, o.Motion, o.Speed), centroids, boxes));
        }
        string caption = Captions.Caption(random, specs.Select(s => new Captions.Subject(s.Colour, s.Shape, s.Size, s.Motion, s.Speed, s.SizeMentioned)).ToList(),
            random.NextDouble() < 0.3 ? background.Words[random.Next(background.Words.Length)] : null);
        string motionPrompt = Captions.MotionPrompt(objects);
        return new WorldCase(seed, frames, height, width, pixels, labels, caption, motionPrompt, objects, background.Kind);
    }

    sealed record ObjectSpec(ObjectColour Colour, string Shape, string Size, bool SizeMentioned, float Radius, MotionKind Motion, string Speed,
        float X0, float Y0, float Dx, float Dy);

    static float Uniform(Random random, float low, float high) => high <= low ? (low + high) / 2 : low + random.NextSingle() * (high - low);

    /// <summary>Fraction of pixel (x, y) covered by the shape centred at (cx, cy), by supersampling.</summary>
    static float Coverage(ObjectSpec o, float cx, float cy, int x, int y)
    {
        if (Math.Abs(x - cx) > o.Radius + 1 || Math.Abs(y - cy) > o.Radius + 1) return 0;
        int inside = 0;
        for (int sy = 0; sy < Supersample; sy++)
        for (int sx = 0; sx < Supersample; sx++)
        {
            float px = x + (sx + 0.5f) / Supersample - 0.5f - cx;
            float py = y + (sy + 0.5f) / Supersample - 0.5f - cy;
            if (Inside(o.Shape, px, py, o.Radius)) inside++;
        }
        return inside / (float)(Supersample * Supersample);
    }

    static bool Inside(string shape, float px, float py, float r) => shape switch
    {
        "circle" => px * px + py * py <= r * r,
        "square" => Math.Abs(px) <= r * 0.85f && Math.Abs(py) <= r * 0.85f,
        "diamond" => Math.Abs(px) + Math.Abs(py) <= r * 1.1f,
        "triangle" => py <= r * 0.8f && py >= -r && Math.Abs(px) <= (py + r) * 0.6f,
        "cross" => (Math.Abs(px) <= r * 0.35f && Math.Abs(py) <= r) || (Math.Abs(py) <= r * 0.35f && Math.Abs(px) <= r),
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "unknown shape"),
    };

    /// <summary>Muted backgrounds so that every object colour stands out.</summary>
    float[] Background(Random random, string kind)
    {
        var pixels = new float[height * width * 3];
        float[] Tone() => [0.1f + 0.35f * random.NextSingle(), 0.1f + 0.35f * random.NextSingle(), 0.1f + 0.35f * random.NextSingle()];
        var a = Tone();
        var b = Tone();
        float angle = random.NextSingle() * MathF.PI * 2;
        var waves = Enumerable.Range(0, 3).Select(_ => (Fx: (random.NextSingle() - 0.5f) * 0.5f, Fy: (random.NextSingle() - 0.5f) * 0.5f, Phase: random.NextSingle() * 6.28f)).ToArray();
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            float mix = kind switch
            {
                "solid" => 0f,
                "gradient" => 0.5f + 0.5f * ((x / (float)width - 0.5f) * MathF.Cos(angle) + (y / (float)height - 0.5f) * MathF.Sin(angle)) * 1.4f,
                _ => 0.5f + waves.Sum(w => MathF.Sin(w.Fx * x + w.Fy * y + w.Phase)) / 6f,
            };
            mix = Math.Clamp(mix, 0f, 1f);
            for (int c = 0; c < 3; c++) pixels[(y * width + x) * 3 + c] = a[c] * (1 - mix) + b[c] * mix;
        }
        return pixels;
    }

    (float[][] Centroids, int[][] Boxes) Track(int[] labels, int id)
    {
        var centroids = new float[frames][];
        var boxes = new int[frames][];
        for (int t = 0; t < frames; t++)
        {
            double sx = 0, sy = 0;
            int n = 0, x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
            for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                if (labels[(t * height + y) * width + x] != id) continue;
                sx += x; sy += y; n++;
                x0 = Math.Min(x0, x); y0 = Math.Min(y0, y); x1 = Math.Max(x1, x); y1 = Math.Max(y1, y);
            }
            centroids[t] = n == 0 ? [float.NaN, float.NaN] : [(float)(sx / n), (float)(sy / n)];
            boxes[t] = n == 0 ? [-1, -1, -1, -1] : [x0, y0, x1, y1];
        }
        return (centroids, boxes);
    }
}
