using System.Globalization;

namespace Siglip2.Tasks.Evaluation;

/// <summary>Mean and range (min–max) of one metric over seeds; only finite values count (NaN = "not measured").</summary>
public sealed record MetricSpread(double Mean, double Min, double Max, int Count)
{
    public static MetricSpread Of(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        return finite.Count == 0
            ? new MetricSpread(double.NaN, double.NaN, double.NaN, 0)
            : new MetricSpread(finite.Average(), finite.Min(), finite.Max(), finite.Count);
    }

    /// <summary>"22.1% (21.8–22.5)": the mean, with the min–max range when more than one seed was measured; "—" when none.</summary>
    public string Percent()
    {
        if (Count == 0) return "—";
        string mean = AblationStudy.Pct(Mean);
        return Count == 1 ? mean : $"{mean} ({P(Min)}–{P(Max)})";
    }

    /// <summary>"0.512 (0.498–0.530)" with <paramref name="format"/> "0.000": the same layout for a metric that is not a fraction (depth RMSE in metres).</summary>
    public string Value(string format)
    {
        if (Count == 0) return "—";
        string F(double v) => v.ToString(format, CultureInfo.InvariantCulture);
        return Count == 1 ? F(Mean) : $"{F(Mean)} ({F(Min)}–{F(Max)})";
    }

    private static string P(double v) => (100 * v).ToString("0.0", CultureInfo.InvariantCulture);
}

/// <summary>One ablation row over all its seeds: every metric's mean and min–max range.</summary>
public sealed record AblationSummaryRow(string Name, string Objectives, IReadOnlyList<long> Seeds, MetricSpread ZeroShotEnglish,
    MetricSpread ImageToTextR1, MetricSpread TextToImageR1, MetricSpread ReferringAccuracy, MetricSpread SegmentationMeanIou,
    MetricSpread DepthRmse, MetricSpread DepthDelta1, MetricSpread FinalSigmoidLoss, MetricSpread TrainSeconds);

/// <summary>Aggregates per-seed ablation rows into one row per name (first-appearance order): mean and min–max over seeds.</summary>
public static class AblationSummary
{
    public static IReadOnlyList<AblationSummaryRow> Aggregate(IReadOnlyList<AblationRow> rows) =>
        rows.GroupBy(r => r.Name).Select(g =>
        {
            var list = g.ToList();
            if (list.Select(r => r.Seed).Distinct().Count() != list.Count)
                throw new Siglip2Exception($"ablation row '{g.Key}' has a seed twice; every row is measured once per seed");
            MetricSpread S(Func<AblationRow, double> f) => MetricSpread.Of(list.Select(f));
            return new AblationSummaryRow(g.Key, list[0].Objectives, list.Select(r => r.Seed).ToList(), S(r => r.ZeroShotEnglish),
                S(r => r.ImageToTextR1), S(r => r.TextToImageR1), S(r => r.ReferringAccuracy), S(r => r.SegmentationMeanIou),
                S(r => r.DepthRmse), S(r => r.DepthDelta1), S(r => r.FinalSigmoidLoss), S(r => r.TrainSeconds));
        }).ToList();
}
