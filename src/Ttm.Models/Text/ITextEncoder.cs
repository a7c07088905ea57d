namespace Ttm.Models.Text;

/// <summary>A frozen encoder from a prompt to the token states cross-attention reads.</summary>
public interface ITextEncoder
{
    int Width { get; }
    TextEmbedding Encode(string text);
}
