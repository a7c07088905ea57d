using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ttm.Grains.Storage;

/// <summary>
/// The embedded mode's reminders in <see cref="EmbeddedState"/>: a generation still running when the process stopped is driven
/// again by its reminder after the restart, and expiry reminders outlive the process. Ranges follow Orleans' ring: rows whose
/// grain hash lies in (begin, end], wrapping when begin ≥ end.
/// </summary>
public sealed class SqliteReminderTable(EmbeddedState state) : IReminderTable
{
    const string Columns = "grain_id, name, start_ticks, period_ticks, etag";

    public Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        using var connection = state.Open();
        using var read = EmbeddedState.Command(connection, $"SELECT {Columns} FROM reminders WHERE grain_id = $grain", ("$grain", grainId.ToString()));
        return Task.FromResult(new ReminderTableData(Rows(read)));
    }

    public Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        using var connection = state.Open();
        using var read = EmbeddedState.Command(connection, begin < end
                ? $"SELECT {Columns} FROM reminders WHERE grain_hash > $begin AND grain_hash <= $end"
                : $"SELECT {Columns} FROM reminders WHERE grain_hash > $begin OR grain_hash <= $end",
            ("$begin", (long)begin), ("$end", (long)end));
        return Task.FromResult(new ReminderTableData(Rows(read)));
    }

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        using var connection = state.Open();
        using var read = EmbeddedState.Command(connection, $"SELECT {Columns} FROM reminders WHERE grain_id = $grain AND name = $name",
            ("$grain", grainId.ToString()), ("$name", reminderName));
        return Task.FromResult(Rows(read).FirstOrDefault());
    }

    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        using var connection = state.Open();
        using var upsert = EmbeddedState.Command(connection, """
            INSERT INTO reminders (grain_id, name, grain_hash, start_ticks, period_ticks, etag) VALUES ($grain, $name, $hash, $start, $period, 1)
            ON CONFLICT (grain_id, name) DO UPDATE SET start_ticks = $start, period_ticks = $period, etag = etag + 1
            RETURNING etag
            """, ("$grain", entry.GrainId.ToString()), ("$name", entry.ReminderName), ("$hash", (long)entry.GrainId.GetUniformHashCode()),
            ("$start", entry.StartAt.ToUniversalTime().Ticks), ("$period", entry.Period.Ticks));
        return Task.FromResult<string?>(((long)upsert.ExecuteScalar()!).ToString(CultureInfo.InvariantCulture));
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        using var connection = state.Open();
        using var delete = EmbeddedState.Command(connection, "DELETE FROM reminders WHERE grain_id = $grain AND name = $name AND etag = $etag",
            ("$grain", grainId.ToString()), ("$name", reminderName), ("$etag", long.Parse(eTag, CultureInfo.InvariantCulture)));
        return Task.FromResult(delete.ExecuteNonQuery() == 1);
    }

    public Task TestOnlyClearTable()
    {
        using var connection = state.Open();
        using var delete = EmbeddedState.Command(connection, "DELETE FROM reminders");
        delete.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    static List<ReminderEntry> Rows(SqliteCommand read)
    {
        using var rows = read.ExecuteReader();
        var entries = new List<ReminderEntry>();
        while (rows.Read())
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(rows.GetString(0)),
                ReminderName = rows.GetString(1),
                StartAt = new DateTime(rows.GetInt64(2), DateTimeKind.Utc),
                Period = TimeSpan.FromTicks(rows.GetInt64(3)),
                ETag = rows.GetInt64(4).ToString(CultureInfo.InvariantCulture),
            });
        return entries;
    }
}
