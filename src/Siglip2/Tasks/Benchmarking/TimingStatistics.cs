namespace Siglip2.Tasks.Benchmarking;

/// <summary>Median, quartiles and range of repeated timings (milliseconds).</summary>
public sealed record TimingStatistics(int Count, double MedianMs, double MinMs, double MaxMs, double Q1Ms, double Q3Ms)
{
    public static TimingStatistics From(IReadOnlyCollection<double> milliseconds)
    {
        if (milliseconds.Count == 0) throw new ArgumentException("no timings", nameof(milliseconds));
        var s = milliseconds.OrderBy(x => x).ToArray();
        return new TimingStatistics(s.Length, Quantile(s, 0.5), s[0], s[^1], Quantile(s, 0.25), Quantile(s, 0.75));
    }

    /// <summary>Linear interpolation between order statistics (numpy's default "linear" method).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
