using Ttm.Models.Text;
using Ttm.Training.World;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ttm.Training.Benchmark;

/// <summary>How one reading of the states did on one motion label of the held-out clauses, with a few it got wrong.</summary>
public sealed record ProbeLabelScore(string Motion, int Clauses, double Accuracy, IReadOnlyList<string> Wrong);

/// <summary>Accuracy of one reading of the states on one set of clauses (per label on the held-out set).</summary>
public sealed record ProbeScore(string Reading, string Tested, int Clauses, double MotionAccuracy, double SpeedAccuracy, double ColourAccuracy,
    IReadOnlyList<ProbeLabelScore>? PerMotion = null);

/// <summary>What <see cref="TextProbe"/> measured: how much of a clause's motion the frozen encoder carries to unseen words.</summary>
public sealed record TextProbeReport(string Encoder, int TrainingClauses, int TestClauses, int Epochs, double Seconds, IReadOnlyList<ProbeScore> Scores);

/// <summary>
/// How far a frozen text encoder's states carry a clause's motion (nine labels), speed and colour (which object it is about
/// when several are) from the words training uses to
/// words it never uses: a small classifier is fitted on clauses about one object in the training lexicon and the
/// world's own words, then read on clauses in the held-out lexicon (the paraphrase suite's words). The readings:
/// "pooled", a linear read of the mean token state (what the networks' adaLN conditioning gets); "attention", one
/// learned query over the token states, then linear (what one cross-attention head can read); "attention-mlp", four
/// queries and a hidden layer (each label has probes of its own); "nearest", no fitting: the training clause nearest by the encoder's own cosine. What no
/// reading fitted on the training lexicon gets from the held-out words is out of reach of a network conditioned on
/// the same states and trained on the same phrases.
/// </summary>
public static class TextProbe
{
    public static readonly string[] Readings = ["pooled", "attention", "attention-mlp", "nearest"];

    static readonly string[] Labels = Vocabulary.Motions.Select(m => m.Label).ToArray();
    static readonly string[] Colours = Vocabulary.Colours.Select(c => c.Name).ToArray();

    public static TextProbeReport Run(ITextEncoder encoder, string encoderName, int trainingClauses, int testClauses, int epochs, int seed,
        IReadOnlyList<string> readings, TextWriter log)
    {
        var unknown = readings.Except(Readings).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"Unknown reading(s) {string.Join(", ", unknown)}; known: {string.Join(", ", Readings)}.", nameof(readings));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var random = new Random(seed);
        var train = Clauses(random, new Phrasing(PhrasingLexicon.Training), trainingClauses)
            .Concat(Clauses(random, null, Math.Max(1, trainingClauses / 4))).ToList();
        var canonical = Clauses(random, null, Math.Max(1, testClauses / 4));
        var heldOut = Clauses(random, new Phrasing(PhrasingLexicon.HeldOut), testClauses);
        log.WriteLine($"text probe: encoding {train.Count + canonical.Count + heldOut.Count} clauses with {encoderName}");
        using var trainSet = Encode(encoder, train);
        var tests = new[] { ("world's words", Encode(encoder, canonical)), ("held-out lexicon", Encode(encoder, heldOut)) };
        var scores = new List<ProbeScore>();
        foreach (var reading in readings)
        {
            Func<ClauseSet, ClauseSet, Predicted> predict;
            Probes? probe = null;
            if (reading == "nearest") predict = (fit, test) => Nearest(fit, test);
            else
            {
                probe = new Probes(encoder.Width, reading);
                probe.Fit(trainSet, epochs, seed);
                predict = (_, test) => probe.Predict(test);
                scores.Add(Score(reading, "training lexicon (fitted on)", trainSet, probe.Predict(trainSet), perMotion: false));
            }
            foreach (var (name, set) in tests)
                scores.Add(Score(reading, name, set, predict(trainSet, set), perMotion: name == "held-out lexicon"));
            probe?.Dispose();
            log.WriteLine($"text probe: {reading}: held-out motion {scores[^1].MotionAccuracy:F3}, colour {scores[^1].ColourAccuracy:F3}");
        }
        foreach (var (_, set) in tests) set.Dispose();
        return new TextProbeReport(encoderName, train.Count, heldOut.Count, epochs, Math.Round(clock.Elapsed.TotalSeconds, 1), scores);
    }

    sealed record Clause(string Text, int Motion, int Speed, int Colour);

    sealed record Predicted(long[] Motions, long[] Speeds, long[] Colours);

    /// <summary>Clauses with their token states (N, S, E), padding mask (N, S) and labels (speed −1 for "still").</summary>
    sealed record ClauseSet(List<Clause> Clauses, Tensor States, Tensor Mask, Tensor Motions, Tensor Speeds, Tensor Colours) : IDisposable
    {
        public void Dispose()
        {
            States.Dispose(); Mask.Dispose(); Motions.Dispose(); Speeds.Dispose(); Colours.Dispose();
        }
    }

    static List<Clause> Clauses(Random random, Phrasing? phrasing, int count)
    {
        var clauses = new List<Clause>(count);
        for (int i = 0; i < count; i++)
        {
            int colour = random.Next(Colours.Length);
            var shape = Vocabulary.Shapes[random.Next(Vocabulary.Shapes.Length)].Name;
            int motion = random.Next(Labels.Length), speed = random.Next(2);
            var o = new PhrasedObject(Colours[colour], shape, null, Labels[motion], speed == 0 ? "slow" : "fast");
            string text = phrasing?.Clause(random, o) ?? Canonical(o);
            clauses.Add(new Clause(text, motion, Labels[motion] == "still" ? -1 : speed, colour));
        }
        return clauses;
    }

    /// <summary>The world's own words for one object, as a canonical local prompt says it.</summary>
    static string Canonical(PhrasedObject o)
    {
        var motion = Vocabulary.Motion(o.Motion);
        return motion.Label == "still"
            ? $"The {o.Colour} {o.Shape} {motion.Canonical}."
            : $"The {o.Colour} {o.Shape} {motion.Canonical} {(o.Speed == "slow" ? "slowly" : "quickly")}.";
    }

    static ClauseSet Encode(ITextEncoder encoder, List<Clause> clauses)
    {
        var embeddings = clauses.Select(c => encoder.EncodeOnce(c.Text)).ToList();
        int s = embeddings.Max(e => e.Length), w = embeddings[0].Width;
        var states = new float[embeddings.Count * s * w];
        var mask = new bool[embeddings.Count * s];
        for (int n = 0; n < embeddings.Count; n++)
        {
            Array.Copy(embeddings[n].States, 0, states, n * s * w, embeddings[n].Length * w);
            for (int t = 0; t < embeddings[n].Length; t++) mask[n * s + t] = true;
        }
        return new ClauseSet(clauses, tensor(states).view(clauses.Count, s, w), tensor(mask).view(clauses.Count, s),
            tensor(clauses.Select(c => (long)c.Motion).ToArray()), tensor(clauses.Select(c => (long)c.Speed).ToArray()),
            tensor(clauses.Select(c => (long)c.Colour).ToArray()));
    }

    static ProbeScore Score(string reading, string tested, ClauseSet set, Predicted predicted, bool perMotion)
    {
        var clauses = set.Clauses;
        double motionRight = clauses.Where((c, i) => predicted.Motions[i] == c.Motion).Count();
        var moving = clauses.Select((c, i) => (c, i)).Where(x => x.c.Speed >= 0).ToList();
        double speedRight = moving.Count(x => predicted.Speeds[x.i] == x.c.Speed);
        var labels = perMotion
            ? clauses.Select((c, i) => (c, i)).GroupBy(x => x.c.Motion).OrderBy(g => g.Key).Select(g => new ProbeLabelScore(Labels[g.Key], g.Count(),
                Math.Round(g.Count(x => predicted.Motions[x.i] == g.Key) / (double)g.Count(), 3),
                g.Where(x => predicted.Motions[x.i] != g.Key).Take(3).Select(x => $"{x.c.Text} → {Labels[predicted.Motions[x.i]]}").ToList())).ToList()
            : null;
        double colourRight = clauses.Where((c, i) => predicted.Colours[i] == c.Colour).Count();
        return new ProbeScore(reading, tested, clauses.Count, Math.Round(motionRight / clauses.Count, 3), Math.Round(speedRight / Math.Max(1, moving.Count), 3),
            Math.Round(colourRight / clauses.Count, 3), labels);
    }

    /// <summary>Unit-length mean of the token states: the sentence embedding all-MiniLM-L6-v2 was trained to compare by cosine.</summary>
    static Tensor SentenceEmbedding(ClauseSet set)
    {
        var m = set.Mask.to(set.States.dtype).unsqueeze(-1); // (N, S, 1)
        return F.normalize((set.States * m).sum(1) / m.sum(1), dim: 1); // (N, E)
    }

    /// <summary>Each test clause takes the labels of the training clause nearest by cosine.</summary>
    static Predicted Nearest(ClauseSet train, ClauseSet test)
    {
        using var scope = NewDisposeScope();
        var nearest = SentenceEmbedding(test).matmul(SentenceEmbedding(train).t()).argmax(1); // (N)
        return new Predicted(train.Motions.index(nearest).data<long>().ToArray(), train.Speeds.index(nearest).data<long>().ToArray(),
            train.Colours.index(nearest).data<long>().ToArray());
    }

    /// <summary>
    /// One label read from the states: linearly from the mean state, or from attention-pooled states (optionally through
    /// a hidden layer). Each label (motion, speed, colour) has a probe of its own, so one query need not serve two.
    /// </summary>
    sealed class Probe : nn.Module
    {
        readonly TorchSharp.Modules.Linear? key;
        readonly TorchSharp.Modules.Linear? hidden;
        readonly TorchSharp.Modules.Linear output;

        public Probe(int width, bool attention, int heads, bool mlp, int classes) : base("TextProbe")
        {
            if (attention) key = nn.Linear(width, heads);
            int features = attention ? width * heads : width;
            if (mlp)
            {
                hidden = nn.Linear(features, 256);
                features = 256;
            }
            output = nn.Linear(features, classes);
            RegisterComponents();
        }

        /// <returns>logits (N, classes)</returns>
        Tensor Forward(Tensor states, Tensor mask)
        {
            Tensor pooled;
            if (key is null)
            {
                var m = mask.to(states.dtype).unsqueeze(-1); // (N, S, 1)
                pooled = (states * m).sum(1) / m.sum(1); // (N, E)
            }
            else
            {
                var weights = key.forward(states).masked_fill(mask.logical_not().unsqueeze(-1), float.NegativeInfinity).softmax(1); // (N, S, H)
                pooled = einsum("nsh,nse->nhe", weights, states).flatten(1); // (N, H·E)
            }
            if (hidden is not null) pooled = F.gelu(hidden.forward(pooled)); // (N, 256)
            return output.forward(pooled);
        }

        /// <summary>Full-batch AdamW on the cross-entropy over the clauses <paramref name="targets"/> labels (≥ 0; speed is −1 for "still").</summary>
        public void Fit(ClauseSet set, Tensor targets, int epochs, int seed)
        {
            manual_seed(seed);
            using var optimizer = optim.AdamW(parameters(), lr: 3e-3, weight_decay: 1e-2);
            using var labelled = targets.ge(0);
            using var states = set.States.index(labelled);
            using var mask = set.Mask.index(labelled);
            using var labels = targets.index(labelled);
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                F.cross_entropy(Forward(states, mask), labels).backward();
                optimizer.step();
            }
        }

        public long[] Predict(ClauseSet set)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            return Forward(set.States, set.Mask).argmax(1).data<long>().ToArray();
        }
    }

    /// <summary>The three probes of one reading, fitted on the same clauses.</summary>
    sealed class Probes(int width, string reading) : IDisposable
    {
        readonly Probe motion = New(width, reading, Labels.Length);
        readonly Probe speed = New(width, reading, 2);
        readonly Probe colour = New(width, reading, Colours.Length);

        static Probe New(int width, string reading, int classes) =>
            new(width, attention: reading != "pooled", heads: reading == "attention-mlp" ? 4 : 1, mlp: reading == "attention-mlp", classes);

        public void Fit(ClauseSet set, int epochs, int seed)
        {
            motion.Fit(set, set.Motions, epochs, seed);
            speed.Fit(set, set.Speeds, epochs, seed);
            colour.Fit(set, set.Colours, epochs, seed);
        }

        public Predicted Predict(ClauseSet set) => new(motion.Predict(set), speed.Predict(set), colour.Predict(set));

        public void Dispose()
        {
            motion.Dispose();
            speed.Dispose();
            colour.Dispose();
        }
    }
}
