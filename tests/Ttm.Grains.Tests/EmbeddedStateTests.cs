using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Ttm.Grains.Storage;

namespace Ttm.Grains.Tests;

/// <summary>
/// The embedded mode's SQLite state: what each store promises (no seq twice or out of order, newest-first pages, stale grain
/// writes refused, reminders by ring range), read back through a second opening of the same file as after a restart.
/// </summary>
public sealed class EmbeddedStateTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("ttm-state-").FullName;
    readonly ServiceProvider services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    public void Dispose()
    {
        services.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); // the pool holds the file open
        Directory.Delete(folder, recursive: true);
    }

    static GenerationEvent Event(long seq) => new(seq, DateTimeOffset.UnixEpoch.AddSeconds(seq), new GenerationAccepted((int)seq));

    [Fact]
    public async Task TheEventLog_TakesEachSeqOnceInOrder_AndIsThereAfterReopening()
    {
        var log = new SqliteGenerationEventLog(new EmbeddedState(folder), services.GetRequiredService<Serializer<GenerationEvent>>());
        await log.AppendAsync("g1", Event(1));
        await log.AppendAsync("g1", Event(2));
        await Assert.ThrowsAsync<InvalidOperationException>(() => log.AppendAsync("g1", Event(2))); // taken
        await Assert.ThrowsAsync<InvalidOperationException>(() => log.AppendAsync("g1", Event(4))); // a gap
        await log.AppendAsync("g2", Event(1));

        var reopened = new SqliteGenerationEventLog(new EmbeddedState(folder), services.GetRequiredService<Serializer<GenerationEvent>>());
        Assert.Equal(2, await reopened.LastSeqAsync("g1"));
        Assert.Equal([Event(2)], await reopened.ReadAsync("g1", 1, 10));
        await reopened.DeleteAsync("g1");
        Assert.Equal(0, await reopened.LastSeqAsync("g1"));
        Assert.Equal(1, await reopened.LastSeqAsync("g2"));
    }

    [Fact]
    public async Task TheTenantList_PagesNewestFirst_FromAToken()
    {
        var index = new SqliteGenerationIndex(new EmbeddedState(folder));
        var at = DateTimeOffset.UnixEpoch;
        foreach (var (id, seconds) in new[] { ("a", 1), ("b", 3), ("c", 2), ("d", 3) }) await index.AddAsync("t", id, at.AddSeconds(seconds));
        await index.AddAsync("t", "a", at.AddSeconds(9)); // listed once, where it was first listed
        await index.AddAsync("other", "x", at);

        var first = await index.PageAsync("t", 2, null);
        Assert.Equal(["d", "b"], first.Select(e => e.GenerationId));
        Assert.Equal(["c", "a"], (await index.PageAsync("t", 5, first[^1])).Select(e => e.GenerationId));
        await index.RemoveAsync("t", "c");
        Assert.Equal(["d", "b", "a"], (await new SqliteGenerationIndex(new EmbeddedState(folder)).PageAsync("t", 5, null)).Select(e => e.GenerationId));
    }

    sealed class Stored<T>(T state) : IGrainState<T> where T : class
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public T State { get; set; } = state;
        public string? ETag { get; set; }
        public bool RecordExists { get; set; }
    }

    [Fact]
    public async Task GrainState_RoundTrips_AndAStaleWriteIsRefused()
    {
        var storage = new SqliteGrainStorage(new EmbeddedState(folder), services.GetRequiredService<Serializer>());
        var grain = GrainId.Create("tenant", "t1");
        var first = new Stored<TenantGrainState>(new TenantGrainState { Generations = 3 });
        await storage.WriteStateAsync("s", grain, first);
        var stale = new Stored<TenantGrainState>(new TenantGrainState());
        await storage.ReadStateAsync("s", grain, stale);
        Assert.Equal((3, true), (stale.State.Generations, stale.RecordExists));

        first.State.Generations = 4;
        await storage.WriteStateAsync("s", grain, first); // moves the ETag on
        stale.State.Generations = 99;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", grain, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", grain, new Stored<TenantGrainState>(new()))); // a second first write

        var reread = new Stored<TenantGrainState>(new TenantGrainState());
        await new SqliteGrainStorage(new EmbeddedState(folder), services.GetRequiredService<Serializer>()).ReadStateAsync("s", grain, reread);
        Assert.Equal(4, reread.State.Generations);
        await storage.ClearStateAsync("s", grain, reread);
        var cleared = new Stored<TenantGrainState>(new TenantGrainState());
        await storage.ReadStateAsync("s", grain, cleared);
        Assert.False(cleared.RecordExists);
    }

    [Fact]
    public async Task Reminders_AreReadByGrainAndByRingRange_AndRemovedOnlyWithTheirETag()
    {
        var table = new SqliteReminderTable(new EmbeddedState(folder));
        var grains = Enumerable.Range(0, 20).Select(i => GrainId.Create("generation", $"g{i}")).ToList();
        foreach (var grain in grains)
            await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "drive", StartAt = DateTime.UtcNow, Period = TimeSpan.FromMinutes(1) });
        string? etag = await table.UpsertRow(new ReminderEntry { GrainId = grains[0], ReminderName = "drive", StartAt = DateTime.UtcNow, Period = TimeSpan.FromMinutes(2) });
        Assert.Equal("2", etag);

        var reopened = new SqliteReminderTable(new EmbeddedState(folder));
        Assert.Equal(TimeSpan.FromMinutes(2), (await reopened.ReadRow(grains[0], "drive"))!.Period);
        uint split = grains[7].GetUniformHashCode();
        int inside = (await reopened.ReadRows(split, uint.MaxValue)).Reminders.Count, wrapped = (await reopened.ReadRows(uint.MaxValue, split)).Reminders.Count;
        Assert.Equal(20, inside + wrapped); // (split, max] and its complement (max, split] cover the ring once
        Assert.Equal(grains.Count(g => g.GetUniformHashCode() > split), inside);

        Assert.False(await reopened.RemoveRow(grains[0], "drive", "1"));
        Assert.True(await reopened.RemoveRow(grains[0], "drive", "2"));
        Assert.Empty((await reopened.ReadRows(grains[0])).Reminders);
    }
}
