namespace Ttm.Models.Text;

/// <summary>Token states of one prompt from the frozen text encoder: <see cref="Length"/> rows of <see cref="Width"/> floats.</summary>
public sealed record TextEmbedding(float[] States, int Length, int Width)
{
    /// <summary>The dropped prompt of classifier-free guidance: one all-zero token that every query may see.</summary>
    public static TextEmbedding Null(int width) => new(new float[width], 1, width);
}
