using System.Text.Json;

namespace Ttm.Training.Training;

/// <summary>Where a run stands; written with every checkpoint so that an interrupted run resumes.</summary>
public sealed record TrainingState(int Step, double Seconds, double LastLoss, string Command)
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public void Save(string file)
    {
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, file, overwrite: true);
    }

    public static TrainingState? Load(string file) =>
        File.Exists(file) ? JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(file), Json) : null;
}
