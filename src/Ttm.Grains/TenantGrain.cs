using Orleans.Runtime;

namespace Ttm.Grains;

/// <summary>
/// The tenant's admission authority (<see cref="ITenantGrain"/>), its usage persisted with the generations' state. A slot
/// whose generation ended without saying so (its silo died between the end and the call) is found out when the tenant is
/// at its limit: the grain asks each generation it counts whether it still runs.
/// </summary>
public sealed class TenantGrain([PersistentState("tenant", "generations")] IPersistentState<TenantGrainState> state, TimeProvider clock) : Grain, ITenantGrain
{
    string Tenant => this.GetPrimaryKeyString();

    /// <summary>
    /// How long a slot may stay reserved for a generation that has not started: its gateway stores the image and starts the
    /// grain right after admission, so a reservation this old lost its gateway (killed between the two) and frees.
    /// </summary>
    public static readonly TimeSpan UnstartedGrace = TimeSpan.FromMinutes(2);

    public async Task<Admission> AdmitAsync(string generationId, TenantLimits limits)
    {
        var usage = state.State;
        if (usage.InFlight.ContainsKey(generationId)) return Admission.Yes;
        RollDay();
        if (limits.MaxConcurrent > 0 && usage.InFlight.Count >= limits.MaxConcurrent)
        {
            await ForgetEnded();
            if (usage.InFlight.Count >= limits.MaxConcurrent)
                return new Admission(false, "concurrent generations",
                    $"Tenant {Tenant} has {usage.InFlight.Count} generations in flight, its limit; retry when one of them ends.", TimeSpan.FromSeconds(10));
        }
        if (limits.DeviceSecondsPerDay > 0 && usage.DeviceSecondsToday >= limits.DeviceSecondsPerDay)
        {
            var midnight = clock.GetUtcNow().UtcDateTime.Date.AddDays(1);
            return new Admission(false, "device-seconds per day",
                $"Tenant {Tenant} used {usage.DeviceSecondsToday:F0} of its {limits.DeviceSecondsPerDay:F0} device-seconds today (UTC); retry after midnight UTC.",
                midnight - clock.GetUtcNow().UtcDateTime);
        }
        long stored = usage.Stored.Values.Sum();
        if (limits.MaxStoredBytes > 0 && stored >= limits.MaxStoredBytes)
            return new Admission(false, "stored bytes",
                $"Tenant {Tenant} stores {stored / 1_000_000.0:F1} MB of its {limits.MaxStoredBytes / 1_000_000.0:F1} MB; delete generations (or wait for their time to live) and retry.",
                TimeSpan.FromMinutes(5));
        int kept = usage.Stored.Count + usage.InFlight.Count;
        if (limits.MaxKeptGenerations > 0 && kept >= limits.MaxKeptGenerations)
            return new Admission(false, "kept generations",
                $"Tenant {Tenant} keeps {kept} generations, its limit; delete some (or wait for their time to live) and retry.", TimeSpan.FromMinutes(5));
        usage.InFlight[generationId] = clock.GetUtcNow(); // the slot is reserved before anything of the request is stored
        usage.Generations++;
        await state.WriteStateAsync();
        return Admission.Yes;
    }

    public async Task ReleaseAsync(string generationId)
    {
        if (!state.State.InFlight.ContainsKey(generationId)) return;
        // A request with the same id that did start (a concurrent retry) keeps the slot: only a generation that never started gives it back.
        if ((await GrainFactory.GetGrain<IGenerationGrain>(generationId).GetStatusAsync()).CreatedAt is not null) return;
        state.State.InFlight.Remove(generationId);
        await state.WriteStateAsync();
    }

    public async Task ChargeAsync(string generationId, double deviceSeconds)
    {
        if (!double.IsFinite(deviceSeconds) || deviceSeconds <= 0) return;
        RollDay();
        state.State.DeviceSecondsToday += deviceSeconds;
        await state.WriteStateAsync();
    }

    public async Task EndedAsync(string generationId, long storedBytes)
    {
        state.State.InFlight.Remove(generationId);
        state.State.Stored[generationId] = storedBytes;
        await state.WriteStateAsync();
    }

    public async Task ForgetAsync(string generationId)
    {
        bool changed = state.State.InFlight.Remove(generationId) | state.State.Stored.Remove(generationId);
        if (changed) await state.WriteStateAsync();
    }

    public Task<TenantUsage> GetUsageAsync()
    {
        RollDay();
        var s = state.State;
        return Task.FromResult(new TenantUsage(Tenant, s.InFlight.Count, s.Generations, Math.Round(s.DeviceSecondsToday, 2), s.Stored.Values.Sum(), s.Stored.Count));
    }

    void RollDay()
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (state.State.Day == today) return;
        (state.State.Day, state.State.DeviceSecondsToday) = (today, 0);
    }

    /// <summary>
    /// Drops the slots of generations that ended without telling this grain, and of reservations older than
    /// <see cref="UnstartedGrace"/> that never started. A reservation whose generation has not started yet keeps its slot:
    /// simultaneous requests never admit each other.
    /// </summary>
    async Task ForgetEnded()
    {
        var now = clock.GetUtcNow();
        var statuses = await Task.WhenAll(state.State.InFlight.Keys.ToList().Select(id => GrainFactory.GetGrain<IGenerationGrain>(id).GetStatusAsync()));
        var ended = statuses.Where(s => s.State.IsTerminal() && s.CreatedAt is not null
                                        || s.CreatedAt is null && state.State.InFlight.TryGetValue(s.Id, out var reserved) && now - reserved > UnstartedGrace)
            .Select(s => s.Id).ToList();
        foreach (var id in ended) state.State.InFlight.Remove(id);
        if (ended.Count > 0) await state.WriteStateAsync();
    }
}
