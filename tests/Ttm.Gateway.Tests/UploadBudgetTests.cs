using Ttm.Grains;
using GenerationStatus = Ttm.Grains.GenerationStatus;

namespace Ttm.Gateway.Tests;

/// <summary>The gateway's bound on upload bytes held at once: the largest uploads fit until the budget, then each is refused at once until one is stored.</summary>
public sealed class UploadBudgetTests
{
    [Fact]
    public void UploadsPastTheBudget_AreRefusedWithRetryAfter_UntilOneIsReleased()
    {
        var budget = new UploadBudget();
        var held = Enumerable.Range(0, (int)(GenerationLimits.MaxUploadBytesHeld / GenerationLimits.MaxImageBytes)).Select(_ => budget.Take(GenerationLimits.MaxImageBytes)).ToList();
        Assert.Equal(GenerationLimits.MaxUploadBytesHeld, budget.Held);
        var refused = Assert.Throws<GenerationRefusal>(() => budget.Take(1));
        Assert.Equal((RefusalCode.ResourceExhausted, "gateway uploads"), (refused.Code, refused.Limit));
        Assert.NotNull(refused.RetryAfter);
        Assert.Equal(GenerationLimits.MaxUploadBytesHeld, budget.Held); // a refusal holds nothing
        held[0].Dispose();
        held[0].Dispose(); // released once, however often disposed
        using (budget.Take(GenerationLimits.MaxImageBytes)) Assert.Equal(GenerationLimits.MaxUploadBytesHeld, budget.Held);
        foreach (var h in held) h.Dispose();
        Assert.Equal(0, budget.Held);
    }

    [Fact]
    public async Task SimultaneousTakes_NeverHoldMoreThanTheBudget()
    {
        var budget = new UploadBudget(10_000);
        long most = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                try
                {
                    using var held = budget.Take(1_000);
                    long now = budget.Held;
                    long seen;
                    do seen = Interlocked.Read(ref most); while (now > seen && Interlocked.CompareExchange(ref most, now, seen) != seen);
                }
                catch (GenerationRefusal) { }
            }
        })));
        Assert.InRange(most, 1_000, 10_000);
        Assert.Equal(0, budget.Held);
    }
}

/// <summary>List pages bounded in bytes as well as count: a tenant's 500 longest-prompt generations never make one huge response.</summary>
public sealed class ListPageBytesTests
{
    [Fact]
    public void APageOfTheLongestPrompts_StopsAtItsByteBudget_AndTheNextPageStartsThere()
    {
        var prompt = new string('\u00e9', GenerationLimits.MaxPromptCharacters); // 2 bytes a character in UTF-8
        var statuses = Enumerable.Range(0, GenerationLimits.MaxListLimit)
            .Select(i => new GenerationStatus($"gen-{i:D32}", GenerationState.Cancelled, 3, "acme", prompt, DateTimeOffset.UtcNow)).ToArray();
        var page = new GenerationPage(statuses.Select(s => s.Id).ToList(), "after-the-last", statuses.Select(s => $"token-after-{s.Id}").ToList());
        var (cut, next) = TenantGenerations.WithinBytes(statuses, page);
        Assert.InRange(cut.Count, 1, GenerationLimits.MaxListLimit - 1);
        Assert.Equal($"token-after-{cut[^1].Id}", next);
        Assert.True(cut.Sum(s => 2L * s.Prompt!.Length) <= GenerationLimits.MaxListPageBytes);

        var small = statuses.Take(10).Select(s => s with { Prompt = "The red square moves right." }).ToArray();
        var (whole, after) = TenantGenerations.WithinBytes(small, page);
        Assert.Equal((10, "after-the-last"), (whole.Count, after)); // short prompts: the page as the index gave it
    }
}
