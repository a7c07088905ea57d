using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline.Tests;

public sealed class SimilarityResolverTests
{
    readonly SimilarityResolver resolver = new(MiniLm.Encoder);

    [Theory]
    [InlineData("sphere", "circle")]
    [InlineData("gem", "diamond")]
    [InlineData("crosshair", "cross")]
    public void AShapeWordItClearlyMeans_IsResolved(string word, string shape)
    {
        var guess = resolver.Shape(word);
        Assert.NotNull(guess);
        Assert.Equal(shape, guess.Value);
        Assert.InRange(guess.Confidence, SimilarityResolver.MinimumConfidence, 1.0);
    }

    [Theory]
    [InlineData("car")]
    [InlineData("cat")]
    [InlineData("brick")] // nearest is diamond (0.50): below the bar, so not guessed wrong
    public void AWordThatMeansNoShape_IsNotGuessed(string word) => Assert.Null(resolver.Shape(word));

    [Theory]
    [InlineData("speeds away")]
    [InlineData("spins around")]
    [InlineData("sails down into the left-hand corner")] // up-left 0.74 vs down-left 0.71: a near tie is refused, not guessed
    public void AMotionWithoutAClearDirection_IsNotGuessed(string predicate) => Assert.Null(resolver.Motion(predicate));

    [Fact]
    public void ANearTie_IsRefusedRatherThanGuessedWrong()
    {
        // MiniLM ranks "up-left" over "left" for this phrase (by less than the margin): the resolver must not say up-left.
        var scores = resolver.Scores("motion", "moves to the left");
        Assert.Equal(9, scores.Count);
        Assert.True(scores[0].Score - scores[1].Score < SimilarityResolver.MinimumMargin || scores[0].Label == "left", string.Join(", ", scores));
        Assert.True(resolver.Motion("moves to the left") is null or { Value: "left" });
    }
}
