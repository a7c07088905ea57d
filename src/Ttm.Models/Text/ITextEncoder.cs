namespace Ttm.Models.Text;

/// <summary>A frozen encoder from a prompt to the token states cross-attention reads.</summary>
public interface ITextEncoder
{
    int Width { get; }
    TextEmbedding Encode(string text);

    /// <summary>
    /// This encoder as one tenant's generations use it: an encoder that caches keeps a separate cache per tenant, so
    /// how fast a prompt encodes never tells one tenant what another asked for.
    /// </summary>
    ITextEncoder For(string tenant) => this;

    /// <summary>Encodes without remembering the text (a user's words outside any tenant's cache, e.g. the planner's).</summary>
    TextEmbedding EncodeOnce(string text) => Encode(text);
}
