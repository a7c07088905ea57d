namespace Ttm.Pipeline.Devices;

/// <summary>
/// Device-seconds each tenant has had, as a virtual time (start-time fair queueing with a bounded lag, as Linux's CFS
/// keeps vruntime): the tenant with the least leads the next pass, so a tenant that asks for little (one generation
/// at a time) is served at once while one that floods waits behind it, and over time every busy tenant gets an equal
/// share. A tenant that was away comes back at most <see cref="Credit"/> behind the least of those that stayed, so it
/// leads for at most that long in a row and cannot bank idle time. Keyed on the authenticated tenant. Not
/// thread-safe: the worker holds its lock around every call.
/// </summary>
sealed class DeviceShares(TimeSpan credit)
{
    readonly Dictionary<string, double> used = [];
    double floor; // the least virtual time among tenants waiting at the last pass; never decreases

    public TimeSpan Credit { get; } = credit;

    /// <summary>The tenant's virtual time in device-seconds (one not seen lately: <see cref="Credit"/> behind the floor).</summary>
    public double Of(string tenant) => used.TryGetValue(tenant, out var seconds) ? seconds : floor - Credit.TotalSeconds;

    /// <summary>The tenant has work again after having none: it keeps its place, but no more than the credit behind.</summary>
    public void Arrive(string tenant) => used[tenant] = Math.Max(Of(tenant), floor - Credit.TotalSeconds);

    public void Charge(string tenant, double seconds) => used[tenant] = Of(tenant) + seconds;

    /// <summary>Moves the floor up to the least of the waiting tenants' times and forgets tenants it left behind.</summary>
    public void Advance(IEnumerable<string> waiting)
    {
        double least = double.PositiveInfinity;
        foreach (var tenant in waiting) least = Math.Min(least, Of(tenant));
        if (double.IsPositiveInfinity(least) || least <= floor) return;
        floor = least;
        foreach (var (tenant, seconds) in used.ToList())
            if (seconds <= floor - Credit.TotalSeconds) used.Remove(tenant); // would come back at the credit anyway
    }
}
