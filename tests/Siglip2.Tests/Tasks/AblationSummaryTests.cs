using Siglip2.Cli.Commands;
using Siglip2.Cli.Infrastructure;
using Siglip2.Tasks.Evaluation;

namespace Siglip2.Tests.Tasks;

/// <summary>The multi-seed ablation table: aggregation, formatting, the reproduce command and the chart.</summary>
public class AblationSummaryTests
{
    private static AblationRow Row(string name, long seed, double zeroShot, double i2t, double referring, double seconds) =>
        new(name, name + " objectives", seed, zeroShot, i2t, 0.01, referring, 0.30, 4.0, seconds);

    private static readonly AblationRow[] Rows =
    [
        Row("SigLIP", 0, 0.20, 0.02, double.NaN, 100),
        Row("SigLIP 2", 0, 0.40, 0.05, 0.30, 300),
        Row("SigLIP", 1, 0.30, 0.04, double.NaN, 120),
        Row("SigLIP 2", 1, 0.35, 0.07, 0.36, 280),
        Row("SigLIP", 2, 0.28, 0.03, double.NaN, 110),
    ];

    [Fact]
    public void MeanAndMinMaxPerRowOverSeeds()
    {
        var s = AblationSummary.Aggregate(Rows);
        Assert.Equal(["SigLIP", "SigLIP 2"], s.Select(r => r.Name));   // first-appearance order
        var siglip = s[0];
        Assert.Equal([0L, 1, 2], siglip.Seeds);
        Assert.Equal(0.26, siglip.ZeroShotEnglish.Mean, 12);           // (0.20 + 0.30 + 0.28) / 3
        Assert.Equal((0.20, 0.30, 3), (siglip.ZeroShotEnglish.Min, siglip.ZeroShotEnglish.Max, siglip.ZeroShotEnglish.Count));
        Assert.Equal(0.03, siglip.ImageToTextR1.Mean, 12);
        Assert.Equal(110, siglip.TrainSeconds.Mean, 12);
        Assert.Equal(0, siglip.ReferringAccuracy.Count);                // never measured (no decoder)
        Assert.True(double.IsNaN(siglip.ReferringAccuracy.Mean));
        var siglip2 = s[1];
        Assert.Equal(0.375, siglip2.ZeroShotEnglish.Mean, 12);
        Assert.Equal(0.33, siglip2.ReferringAccuracy.Mean, 12);
        Assert.Equal((0.30, 0.36), (siglip2.ReferringAccuracy.Min, siglip2.ReferringAccuracy.Max));
    }

    [Fact]
    public void CellsShowTheMeanAndTheRange()
    {
        var s = AblationSummary.Aggregate(Rows);
        Assert.Equal("26.0% (20.0–30.0)", s[0].ZeroShotEnglish.Percent());
        Assert.Equal("—", s[0].ReferringAccuracy.Percent());
        Assert.Equal("37.5% (35.0–40.0)", s[1].ZeroShotEnglish.Percent());
        // one seed: the value alone; a NaN among the seeds is left out of the mean
        Assert.Equal("20.0%", MetricSpread.Of([0.2]).Percent());
        Assert.Equal(new MetricSpread(0.4, 0.4, 0.4, 1), MetricSpread.Of([0.4, double.NaN]));
    }

    [Fact]
    public void ASeedTwiceInOneRowIsRefused() =>
        Assert.Throws<Siglip2Exception>(() => AblationSummary.Aggregate([Row("SigLIP", 0, 0.2, 0.1, 0, 1), Row("SigLIP", 0, 0.3, 0.1, 0, 1)]));

    [Fact]
    public void MarkdownHasTheAggregatedAndThePerSeedTables()
    {
        var o = new AblationOptions { OutputFolder = "runs/x", Seeds = [0, 1, 2] };
        var md = AblationStudy.ToMarkdown(new AblationResult(Rows, null, null), o);
        Assert.Contains("| SigLIP | SigLIP objectives | 26.0% (20.0–30.0) | 3.0% (2.0–4.0) |", md);
        Assert.Contains("| SigLIP 2 | 1 | 35.0% | 7.0% |", md);
        Assert.Contains("min–max", md);
        var csv = AblationStudy.ToCsv(new AblationResult(Rows, null, null)).Trim().Split('\n');
        Assert.Equal(1 + Rows.Length, csv.Length);
        Assert.Equal("SigLIP,0,0.2,0.02,0.01,,0.3,4,100", csv[1]);
    }

    [Fact]
    public void TheResultsSectionCarriesTheCommandThatReproducesIt()
    {
        var o = new AblationOptions { OutputFolder = "runs/ablation", Seeds = [0, 1], Recipe = AblationStudy.DefaultRecipe with { Steps = 60 } };
        string command = AblationCommand.ReproduceCommand(o, "docs/results.md", "docs/ablation.png");
        Assert.Equal("./siglip2 ablation --output runs/ablation --steps 60 --batch-size 128 --seeds 0,1 --acid-steps 15 --acid-keep 0.5 --acid-lr 0.0001 " +
                     "--results docs/results.md --png docs/ablation.png", command);
        using var tmp = new TempDirectory();
        string md = tmp.File("results.md");
        File.WriteAllText(md, "# Results\n\n## Ablation\n\nold table\n\n## Later\n\nkept\n");
        AblationCommand.WriteSection(md, "| new table |\n", "docs/ablation.png", command);
        string text = File.ReadAllText(md);
        Assert.DoesNotContain("old table", text);
        Assert.Contains(command, text);
        Assert.Contains("| new table |", text);
        Assert.Contains("## Later\n\nkept", text);
    }

    [Fact]
    public void ChartWithRangesIsWritten()
    {
        using var tmp = new TempDirectory();
        string png = tmp.File("a.png");
        Plots.Bars(png, "t", "%", ["a", "b"], [("x", [10, 20]), ("y", [15, 5])], [([8, 18], [12, 22]), ([double.NaN, 4], [double.NaN, 6])]);
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 1000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.Throws<ArgumentException>(() => Plots.Bars(png, "t", "%", ["a"], [("x", [1.0])], []));
    }
}
