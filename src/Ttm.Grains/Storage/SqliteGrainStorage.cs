using Orleans.Serialization;
using Orleans.Storage;

namespace Ttm.Grains.Storage;

/// <summary>
/// The embedded mode's grain state in <see cref="EmbeddedState"/>: a row per (state, grain) in Orleans' serialization, with an
/// integer ETag checked on every write and clear (a stale activation's write fails as Orleans' providers fail it).
/// </summary>
public sealed class SqliteGrainStorage(EmbeddedState state, Serializer serializer) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        using var connection = state.Open();
        using var read = EmbeddedState.Command(connection, "SELECT etag, payload FROM grain_state WHERE state_name = $name AND grain_id = $grain",
            ("$name", stateName), ("$grain", grainId.ToString()));
        using var row = read.ExecuteReader();
        if (row.Read())
        {
            grainState.State = serializer.Deserialize<T>((byte[])row[1]);
            grainState.ETag = row.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        using var connection = state.Open();
        long next = grainState.ETag is null ? 1 : long.Parse(grainState.ETag, System.Globalization.CultureInfo.InvariantCulture) + 1;
        var payload = serializer.SerializeToArray(grainState.State);
        using var write = grainState.ETag is null
            ? EmbeddedState.Command(connection, "INSERT OR IGNORE INTO grain_state (state_name, grain_id, etag, payload) VALUES ($name, $grain, $etag, $payload)",
                ("$name", stateName), ("$grain", grainId.ToString()), ("$etag", next), ("$payload", payload))
            : EmbeddedState.Command(connection, "UPDATE grain_state SET etag = $etag, payload = $payload WHERE state_name = $name AND grain_id = $grain AND etag = $expected",
                ("$name", stateName), ("$grain", grainId.ToString()), ("$etag", next), ("$payload", payload), ("$expected", next - 1));
        if (write.ExecuteNonQuery() != 1)
            throw new InconsistentStateException($"The stored state of {grainId} ({stateName}) changed since this activation read it.", "stored", grainState.ETag ?? "none");
        grainState.ETag = next.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        using var connection = state.Open();
        using var delete = EmbeddedState.Command(connection, "DELETE FROM grain_state WHERE state_name = $name AND grain_id = $grain AND ($expected IS NULL OR etag = $expected)",
            ("$name", stateName), ("$grain", grainId.ToString()),
            ("$expected", grainState.ETag is null ? null : long.Parse(grainState.ETag, System.Globalization.CultureInfo.InvariantCulture)));
        delete.ExecuteNonQuery();
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
        return Task.CompletedTask;
    }
}
