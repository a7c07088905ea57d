namespace Ttm.Models.Layers;

/// <summary>Which tokens one self-attention call lets each video token see.</summary>
public enum AttentionSpan
{
    /// <summary>All frames × positions (N tokens).</summary>
    Joint,
    /// <summary>Positions within the same frame.</summary>
    Spatial,
    /// <summary>The same position across frames.</summary>
    Temporal,
}
