using System.Text.Json;

namespace Ttm.Benchmarks;

/// <summary>How every benchmark report is written: indented JSON with snake_case names ("generations_per_minute").</summary>
public static class BenchmarkJson
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string Write<T>(T report) => JsonSerializer.Serialize(report, Options);

    /// <summary>The middle value (the upper one of an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>VmHWM of this process (Linux), in MB.</summary>
    public static double PeakResidentMegabytes() => StatusMegabytes("VmHWM:");

    /// <summary>VmRSS of this process (Linux), in MB.</summary>
    public static double ResidentMegabytes() => StatusMegabytes("VmRSS:");

    static double StatusMegabytes(string field)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? double.NaN : Math.Round(long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0, 1);
    }
}
