using Siglip2.Configuration;
using System.Globalization;
using ScottPlot;

namespace Siglip2.Cli.Infrastructure;

/// <summary>PNG charts of training curves and result tables (ScottPlot).</summary>
public static class Plots
{
    private static readonly object FontGate = new();
    private static bool _fontsReady;

    /// <summary>
    /// SkiaSharp's self-contained Linux build does not ask fontconfig for fonts, so text would be blank: register the
    /// DejaVu Sans files (Debian's fonts-dejavu-core) explicitly.
    /// </summary>
    private static void EnsureFonts()
    {
        lock (FontGate)
        {
            if (_fontsReady) return;
            _fontsReady = true;
            const string dir = "/usr/share/fonts/truetype/dejavu";
            string regular = Path.Combine(dir, "DejaVuSans.ttf"), bold = Path.Combine(dir, "DejaVuSans-Bold.ttf");
            if (!File.Exists(regular)) return;
            Fonts.AddFontFile("DejaVu Sans", regular, bold: false, italic: false);
            if (File.Exists(bold)) Fonts.AddFontFile("DejaVu Sans", bold, bold: true, italic: false);
            Fonts.Default = "DejaVu Sans";
        }
    }

    /// <summary>Loss (and learning rate on a second axis) against step, from a trainer's loss_log.csv.</summary>
    public static void LossCurve(string lossLogCsv, string pngPath, string title)
    {
        var steps = new List<double>();
        var losses = new List<double>();
        var lrs = new List<double>();
        foreach (var line in File.ReadLines(lossLogCsv).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length < 3) continue;
            steps.Add(double.Parse(f[0], CultureInfo.InvariantCulture));
            losses.Add(double.Parse(f[1], CultureInfo.InvariantCulture));
            lrs.Add(double.Parse(f[2], CultureInfo.InvariantCulture));
        }
        if (steps.Count == 0) return;
        EnsureFonts();
        var plot = new Plot();
        var loss = plot.Add.Scatter(steps.ToArray(), losses.ToArray());
        loss.LegendText = "sigmoid loss";
        loss.MarkerSize = 0;
        var smooth = Smooth(losses, 25);
        var s = plot.Add.Scatter(steps.ToArray(), smooth);
        s.LegendText = "loss (moving average)";
        s.MarkerSize = 0;
        s.LineWidth = 2;
        var lr = plot.Add.Scatter(steps.ToArray(), lrs.ToArray());
        lr.LegendText = "learning rate";
        lr.MarkerSize = 0;
        lr.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "learning rate";
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("loss");
        plot.ShowLegend();
        AtomicFile.WriteAllBytes(pngPath, plot.GetImageBytes(900, 500, ImageFormat.Png));
    }

    /// <summary>
    /// A grouped bar chart: one group per category, one bar per series. With <paramref name="ranges"/> (per series, per
    /// category: low and high, NaN = none) each bar gets a whisker from low to high, e.g. the min–max over seeds.
    /// </summary>
    public static void Bars(string pngPath, string title, string yLabel, IReadOnlyList<string> categories,
        IReadOnlyList<(string Series, double[] Values)> series, IReadOnlyList<(double[] Low, double[] High)>? ranges = null, int width = 900)
    {
        if (ranges is not null && ranges.Count != series.Count) throw new ArgumentException("one range per series", nameof(ranges));
        EnsureFonts();
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int n = series.Count;
        for (int s = 0; s < n; s++)
        {
            var bars = new List<Bar>();
            for (int c = 0; c < categories.Count; c++)
                bars.Add(new Bar { Position = c * (n + 1) + s, Value = series[s].Values[c], FillColor = palette.GetColor(s) });
            plot.Add.Bars(bars);
            if (ranges is not null)
                for (int c = 0; c < categories.Count; c++)
                {
                    double low = ranges[s].Low[c], high = ranges[s].High[c], x = c * (n + 1) + s;
                    if (!double.IsFinite(low) || !double.IsFinite(high) || high <= low) continue;
                    foreach (var (x1, y1, x2, y2) in new[] { (x, low, x, high), (x - 0.2, low, x + 0.2, low), (x - 0.2, high, x + 0.2, high) })
                    {
                        var whisker = plot.Add.Line(x1, y1, x2, y2);
                        whisker.LineColor = Colors.Black;
                        whisker.LineWidth = 1.5f;
                        whisker.MarkerSize = 0;
                    }
                }
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[s].Series, FillColor = palette.GetColor(s) });
        }
        var ticks = categories.Select((c, i) => new Tick(i * (n + 1) + (n - 1) / 2.0, c)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.Axes.Margins(bottom: 0);
        if (n > 1) plot.ShowLegend(Edge.Right); else plot.ShowLegend();
        AtomicFile.WriteAllBytes(pngPath, plot.GetImageBytes(width, 500, ImageFormat.Png));
    }

    private static double[] Smooth(List<double> values, int window)
    {
        var result = new double[values.Count];
        double sum = 0;
        for (int i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }
}
