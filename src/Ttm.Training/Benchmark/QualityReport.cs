using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ttm.Training.Benchmark;

/// <summary>The JSON the quality benchmark prints: {"suite", "variant", "cases", "single": {metric: value}, "multi": {…}}.</summary>
public sealed record QualityReport(
    [property: JsonPropertyName("suite")] string Suite,
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("cases")] int Cases,
    [property: JsonPropertyName("single")] IReadOnlyDictionary<string, double> Single,
    [property: JsonPropertyName("multi")] IReadOnlyDictionary<string, double> Multi)
{
    public static readonly string[] Metrics =
        ["direction_accuracy", "endpoint_error_px", "trajectory_direction_accuracy", "mask_iou", "first_frame_psnr", "video_psnr", "video_ssim", "appearance_consistency", "seconds_per_case"];

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>One variant: its report. Several: {"variants": [reports], "differences": [each against the one before, <see cref="PairedBootstrap"/>]}.</summary>
    public static string ToJson(IReadOnlyList<QualityReport> reports, IReadOnlyList<VariantDifference>? differences = null) =>
        reports.Count == 1 ? JsonSerializer.Serialize(reports[0], Json) : JsonSerializer.Serialize(new { variants = reports, differences = differences ?? [] }, Json);

    /// <summary>Laid out as the paper's Table 1: one row per metric, single- and multi-object columns per variant.</summary>
    public static string Table1(IReadOnlyList<QualityReport> reports)
    {
        var s = new StringBuilder();
        s.Append("| metric |");
        foreach (var r in reports) s.Append($" {r.Variant} single | {r.Variant} multi |");
        s.AppendLine().Append("| --- |").Append(string.Concat(Enumerable.Repeat(" ---: | ---: |", reports.Count))).AppendLine();
        foreach (var m in Metrics)
        {
            s.Append($"| {m} |");
            foreach (var r in reports) s.Append($" {Format(r.Single, m)} | {Format(r.Multi, m)} |");
            s.AppendLine();
        }
        return s.ToString();
    }

    /// <summary>The paper's Table 3 ladder: one row per variant, the headline metrics on multi-object cases.</summary>
    public static string Table3(IReadOnlyList<QualityReport> reports)
    {
        var s = new StringBuilder("| variant | multi direction_accuracy | multi endpoint_error_px | multi video_psnr | multi appearance_consistency |\n| --- | ---: | ---: | ---: | ---: |\n");
        foreach (var r in reports)
            s.AppendLine($"| {r.Variant} | {Format(r.Multi, "direction_accuracy")} | {Format(r.Multi, "endpoint_error_px")} | {Format(r.Multi, "video_psnr")} | {Format(r.Multi, "appearance_consistency")} |");
        return s.ToString();
    }

    /// <summary>Each variant against the one before it: the difference and its 95 % interval over resampled cases.</summary>
    public static string Differences(IReadOnlyList<VariantDifference> differences)
    {
        var s = new StringBuilder("| variant | versus | split | metric | difference | 95 % interval | clear |\n| --- | --- | --- | --- | ---: | ---: | --- |\n");
        foreach (var d in differences)
            s.AppendLine($"| {d.Variant} | {d.Versus} | {d.Split} | {d.Metric} | {d.Difference:+0.000;-0.000;0.000} | [{d.Low:+0.000;-0.000;0.000}, {d.High:+0.000;-0.000;0.000}] | {(d.Clear ? "yes" : "no")} |");
        return s.ToString();
    }

    static string Format(IReadOnlyDictionary<string, double> values, string metric) =>
        values.TryGetValue(metric, out var v) && !double.IsNaN(v) ? v.ToString("0.000") : "–";
}
