namespace Ttm.Pipeline.Devices;

/// <summary>
/// Device-seconds each tenant has had, as a virtual time (start-time fair queueing with a bounded lag, as Linux's CFS
/// keeps vruntime): the tenant with the least leads the next pass, so busy tenants get equal shares. The floor is the
/// least virtual time among the tenants waiting at the last pass. A tenant that comes back after a while away is put
/// at most <see cref="Credit"/> behind the floor: it keeps what it did not use, up to the credit, so a tenant that asks
/// for less than its share (one generation now and then) has its next generation served first, while a flood never
/// banks idle time. A tenant never seen starts at the floor: a newcomer does not jump ahead of those already waiting.
/// Keyed on the authenticated tenant. Not thread-safe: the worker holds its lock around every call.
/// </summary>
sealed class DeviceShares(TimeSpan credit)
{
    /// <summary>Tenants remembered at most; beyond it those far behind the floor are forgotten (they come back as newcomers).</summary>
    const int Remembered = 10_000;

    readonly Dictionary<string, double> used = [];
    double floor; // never decreases

    public TimeSpan Credit { get; } = credit;

    public double Of(string tenant) => used.TryGetValue(tenant, out var seconds) ? seconds : floor;

    /// <summary>The tenant has work again after having none.</summary>
    public void Arrive(string tenant) =>
        used[tenant] = used.TryGetValue(tenant, out var seconds) ? Math.Max(seconds, floor - Credit.TotalSeconds) : floor;

    public void Charge(string tenant, double seconds) => used[tenant] = Of(tenant) + seconds;

    /// <summary>Moves the floor up to the least of the waiting tenants' times.</summary>
    public void Advance(IEnumerable<string> waiting)
    {
        double least = double.PositiveInfinity;
        foreach (var tenant in waiting) least = Math.Min(least, Of(tenant));
        if (double.IsPositiveInfinity(least) || least <= floor) return;
        floor = least;
        if (used.Count > Remembered)
            foreach (var (tenant, seconds) in used.ToList())
                if (seconds <= floor - Credit.TotalSeconds) used.Remove(tenant);
    }
}
