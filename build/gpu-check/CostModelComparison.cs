using Ttm.Models;
using Ttm.Models.Simulation;

/// <summary>
/// Measured pass times against the simulated device's curve (<see cref="DeviceCostModel"/>) at the same rows: the ratio
/// measured ÷ modelled per point (1: the simulation charges what this device took; above 1: this device is slower).
/// </summary>
static class CostModelComparison
{
    public sealed record Point(string Backend, string Stage, int Requests, int Rows, double MeasuredMilliseconds, double ModelMilliseconds, double Ratio);

    public sealed record Report(string Profile, IReadOnlyList<Point> Points, IReadOnlyDictionary<string, double> MedianRatioByBackend);

    public static Report Compare(DeviceCostModel model, IEnumerable<(string Backend, string Stage, int Requests, int Rows, double Milliseconds)> measured)
    {
        var points = measured.Select(m =>
        {
            var config = TtmConfig.Named("tiny") with { Stage = m.Stage == "motion" ? ModelStage.Motion : ModelStage.Video, Variant = TtmVariant.Ttm };
            double modelled = model.PassSeconds(config, m.Rows) * 1000;
            return new Point(m.Backend, m.Stage, m.Requests, m.Rows, m.Milliseconds, Math.Round(modelled, 2), Math.Round(m.Milliseconds / modelled, 3));
        }).ToList();
        var medians = points.GroupBy(p => p.Backend).ToDictionary(g => g.Key, g => Median(g.Select(p => p.Ratio)));
        return new Report(model.Profile, points, medians);
    }

    /// <summary>The middle value; of an even count, the mean of the two middle ones.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        int half = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[half] : Math.Round((sorted[half - 1] + sorted[half]) / 2, 3);
    }
}
