namespace Ttm.Pipeline.Segmentation;

/// <summary>How one object was found, without its mask: what events, summary.json and other silos carry.</summary>
public sealed record ObjectSummary(string Name, string Method, string Detail, int Area)
{
    public static ObjectSummary Of(GroundedObject grounded) => new(grounded.Name, grounded.Method, grounded.Detail, grounded.Mask?.Area ?? 0);
}
