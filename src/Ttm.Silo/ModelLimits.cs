namespace Ttm.Silo;

/// <summary>What the shipped video model accepts, read from its config.json without loading it (plain silos load no network).</summary>
public sealed record ModelLimits(int MaxObjects);
