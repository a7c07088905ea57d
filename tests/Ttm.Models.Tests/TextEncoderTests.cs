using Ttm.Models.Text;

namespace Ttm.Models.Tests;

public sealed class TextEncoderTests
{
    static float[] Pooled(TextEmbedding e)
    {
        var mean = new float[e.Width];
        for (int i = 0; i < e.Length; i++)
            for (int j = 0; j < e.Width; j++) mean[j] += e.States[i * e.Width + j] / e.Length;
        return mean;
    }

    static double Cosine(float[] a, float[] b) =>
        a.Zip(b, (x, y) => (double)x * y).Sum() / Math.Sqrt(a.Sum(x => (double)x * x) * b.Sum(x => (double)x * x));

    [Fact]
    public void MiniLm_FromThePackage_GivesTokenStatesOfWidth384()
    {
        var encoder = MiniLm.Encoder;
        var e = encoder.Encode("The red circle moves left.");
        Assert.Equal(384, e.Width);
        Assert.Equal(e.Length * 384, e.States.Length);
        Assert.InRange(e.Length, 6, 12); // [CLS] the red circle moves left . [SEP]
        Assert.Same(e, encoder.Encode("The red circle moves left.")); // cached by prompt
    }

    [Fact]
    public void MiniLm_IsPretrained_ParaphrasesAreCloserThanOtherMeanings()
    {
        var encoder = MiniLm.Encoder;
        var a = Pooled(encoder.Encode("a red ball rolls to the left"));
        var b = Pooled(encoder.Encode("the red ball is moving left"));
        var c = Pooled(encoder.Encode("stock markets fell sharply on tuesday"));
        Assert.True(Cosine(a, b) > Cosine(a, c) + 0.2, $"paraphrase {Cosine(a, b):F3} vs unrelated {Cosine(a, c):F3}");
    }

    [Fact]
    public void MiniLm_TruncatesLongPromptsToMaxTokens()
    {
        var encoder = MiniLm.Encoder;
        var e = encoder.Encode(string.Join(" ", Enumerable.Repeat("the blue square drifts upward", 100)));
        Assert.Equal(encoder.MaxTokens, e.Length);
    }

    [Fact]
    public void Load_FromAFolderWithoutAModel_SaysWhatIsMissing()
    {
        var empty = Directory.CreateTempSubdirectory().FullName;
        var error = Assert.Throws<FileNotFoundException>(() => MiniLmTextEncoder.Load(empty));
        Assert.Contains("model.onnx", error.Message);
        Directory.Delete(empty);
    }

    [Fact]
    public void TheCache_IsPerTenant_SoOneTenantsPromptNeverMakesAnothersFaster()
    {
        var encoder = MiniLm.Encoder;
        string prompt = $"The red square moves left, asked at {Guid.NewGuid()}.";
        int before = encoder.CachedPrompts;
        var a = encoder.For("tenant-a").Encode(prompt);
        Assert.Equal(before + 1, encoder.CachedPrompts);
        var b = encoder.For("tenant-b").Encode(prompt); // computed again: not a hit on tenant-a's entry
        Assert.Equal(before + 2, encoder.CachedPrompts);
        Assert.Equal(a.States, b.States);
        Assert.Same(a, encoder.For("tenant-a").Encode(prompt)); // the same tenant's own repeat is a hit
        Assert.Equal(before + 2, encoder.CachedPrompts);
        encoder.EncodeOnce(prompt + " once");
        Assert.Equal(before + 2, encoder.CachedPrompts); // the planner's look-ups are never kept
    }

    [Fact]
    public async Task TheCache_IsBoundedInBytes_AndEvictsTheLeastRecentlyUsed_NotEveryTenantAtOnce()
    {
        using var encoder = MiniLmTextEncoder.Load(cacheBytes: 1024 * 1024);
        var warm = encoder.For("tenant-a").Encode("the red square moves left");
        for (int i = 0; i < 200; i++) // a flood of new prompts from another tenant, several times what the cache holds
        {
            encoder.For("tenant-b").Encode($"the blue circle number {i} slides up slowly");
            Assert.Same(warm, encoder.For("tenant-a").Encode("the red square moves left")); // in use: kept
            if (i % 20 == 0) await Task.Delay(20); // compaction runs in the background
        }
        Assert.InRange(encoder.CachedBytes, 1, 1024 * 1024);
        Assert.InRange(encoder.CachedPrompts, 2, 199); // some of the flood went, one by one; the cache was never emptied
    }
}
