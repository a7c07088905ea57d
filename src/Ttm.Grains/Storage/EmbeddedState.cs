using Microsoft.Data.Sqlite;

namespace Ttm.Grains.Storage;

/// <summary>
/// The embedded mode's state across restarts: one SQLite database (<c>state.db</c> in a folder beside the artifacts)
/// holding the grains' state, the generations' event logs, the tenants' lists and the reminders. Write-ahead logging
/// with a full sync at every commit: a write is on disk when it returns, as an acknowledged event must be.
/// </summary>
public sealed class EmbeddedState
{
    public const string FileName = "state.db";

    readonly string connectionString;

    public EmbeddedState(string folder)
    {
        Directory.CreateDirectory(folder);
        Path = System.IO.Path.Combine(folder, FileName);
        connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 }.ToString();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS grain_state (state_name TEXT NOT NULL, grain_id TEXT NOT NULL, etag INTEGER NOT NULL, payload BLOB NOT NULL,
                PRIMARY KEY (state_name, grain_id));
            CREATE TABLE IF NOT EXISTS events (generation_id TEXT NOT NULL, seq INTEGER NOT NULL, payload BLOB NOT NULL,
                PRIMARY KEY (generation_id, seq)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS tenant_generations (tenant TEXT NOT NULL, generation_id TEXT NOT NULL, created_ticks INTEGER NOT NULL,
                PRIMARY KEY (tenant, generation_id));
            CREATE INDEX IF NOT EXISTS tenant_generations_newest ON tenant_generations (tenant, created_ticks DESC, generation_id DESC);
            CREATE TABLE IF NOT EXISTS reminders (grain_id TEXT NOT NULL, name TEXT NOT NULL, grain_hash INTEGER NOT NULL, start_ticks INTEGER NOT NULL,
                period_ticks INTEGER NOT NULL, etag INTEGER NOT NULL, PRIMARY KEY (grain_id, name));
            CREATE INDEX IF NOT EXISTS reminders_by_hash ON reminders (grain_hash);
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>An open connection (pooled) that syncs every commit to disk.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous = FULL;";
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>A command on <paramref name="connection"/> with its parameters (name, value) bound.</summary>
    public static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }
}
