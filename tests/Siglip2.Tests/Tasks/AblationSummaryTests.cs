using Siglip2.Cli.Commands;
using Siglip2.Cli.Infrastructure;
using Siglip2.Data;
using Siglip2.Processing.Images;
using Siglip2.Tasks.Evaluation;
using Siglip2.Tests.Api;
using Siglip2.Tests.Data;

namespace Siglip2.Tests.Tasks;

/// <summary>The multi-seed ablation table: aggregation, formatting, the reproduce command and the chart.</summary>
public class AblationSummaryTests
{
    private static AblationRow Row(string name, long seed, double zeroShot, double i2t, double referring, double seconds, double rmse = 1.0, double delta1 = 0.5) =>
        new(name, name + " objectives", seed, zeroShot, i2t, 0.01, referring, 0.30, 4.0, seconds) { DepthRmse = rmse, DepthDelta1 = delta1 };

    private static readonly AblationRow[] Rows =
    [
        Row("SigLIP", 0, 0.20, 0.02, double.NaN, 100, rmse: 1.2, delta1: 0.40),
        Row("SigLIP 2", 0, 0.40, 0.05, 0.30, 300, rmse: 1.0, delta1: 0.70),
        Row("SigLIP", 1, 0.30, 0.04, double.NaN, 120, rmse: 1.5, delta1: 0.50),
        Row("SigLIP 2", 1, 0.35, 0.07, 0.36, 280, rmse: 1.1, delta1: 0.80),
        Row("SigLIP", 2, 0.28, 0.03, double.NaN, 110, rmse: 1.8, delta1: 0.60),
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
        Assert.Equal(1.5, siglip.DepthRmse.Mean, 12);                  // (1.2 + 1.5 + 1.8) / 3
        Assert.Equal((1.2, 1.8), (siglip.DepthRmse.Min, siglip.DepthRmse.Max));
        Assert.Equal(0.5, siglip.DepthDelta1.Mean, 12);                // (0.4 + 0.5 + 0.6) / 3
        Assert.Equal(0, siglip.ReferringAccuracy.Count);                // never measured (no decoder)
        Assert.True(double.IsNaN(siglip.ReferringAccuracy.Mean));
        var siglip2 = s[1];
        Assert.Equal(0.375, siglip2.ZeroShotEnglish.Mean, 12);
        Assert.Equal(0.33, siglip2.ReferringAccuracy.Mean, 12);
        Assert.Equal((0.30, 0.36), (siglip2.ReferringAccuracy.Min, siglip2.ReferringAccuracy.Max));
        Assert.Equal(1.05, siglip2.DepthRmse.Mean, 12);
        Assert.Equal(0.75, siglip2.DepthDelta1.Mean, 12);
    }

    [Fact]
    public void CellsShowTheMeanAndTheRange()
    {
        var s = AblationSummary.Aggregate(Rows);
        Assert.Equal("26.0% (20.0–30.0)", s[0].ZeroShotEnglish.Percent());
        Assert.Equal("—", s[0].ReferringAccuracy.Percent());
        Assert.Equal("37.5% (35.0–40.0)", s[1].ZeroShotEnglish.Percent());
        Assert.Equal("1.500 (1.200–1.800)", s[0].DepthRmse.Value("0.000"));
        Assert.Equal("75.0% (70.0–80.0)", s[1].DepthDelta1.Percent());
        Assert.Equal("0.750", MetricSpread.Of([0.75, double.NaN]).Value("0.000"));
        Assert.Equal("—", MetricSpread.Of([double.NaN]).Value("0.000"));
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
        Assert.Contains("| 30.0% (30.0–30.0) | 1.500 (1.200–1.800) | 50.0% (40.0–60.0) | 110 s |", md);   // seg. mIoU, depth RMSE, δ1, time
        Assert.Contains("| SigLIP 2 | 1 | 35.0% | 7.0% | 1.0% | 36.0% | 30.0% | 1.100 | 80.0% | 4.000 | 280 s |", md);
        Assert.Contains("| depth RMSE (m) | depth δ1 |", md);
        Assert.Contains("min–max", md);
        var csv = AblationStudy.ToCsv(new AblationResult(Rows, null, null)).Trim().Split('\n');
        Assert.Equal(1 + Rows.Length, csv.Length);
        Assert.StartsWith("row,seed,zero_shot_en,i2t_r1,t2i_r1,referring_accuracy,segmentation_miou,depth_rmse,depth_delta1,", csv[0]);
        Assert.Equal("SigLIP,0,0.2,0.02,0.01,,0.3,1.2,0.4,4,100", csv[1]);
        // a row without the depth probe (the teacher) leaves its cells empty
        var teacher = new AblationRow("teacher", "ACID teacher", 0, 0.5, 0.1, 0.1, double.NaN, double.NaN, double.NaN, double.NaN);
        Assert.EndsWith("teacher,0,0.5,0.1,0.1,,,,,,", AblationStudy.ToCsv(new AblationResult(Rows, teacher, "t")).Trim());
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

    /// <summary>
    /// A row.json written before the depth probe existed (no depth fields) is read as "no depth" and completed from the row's
    /// checkpoint — the probe with the segmentation probe's sizes on the seed + 2 held-out stream, the same numbers as
    /// <see cref="DepthProbe.OnScenes"/> directly — and saved under the same fingerprint; the other metrics stay as cached.
    /// </summary>
    [Fact]
    public void AnOldCachedRowGetsItsDepthFromTheCheckpointWithoutRetraining()
    {
        using var checkpoint = ApiReference.FolderWithTokenizer(ApiReference.Fixed);
        const string fingerprint = "{\"recipe\":\"x\"}";
        File.WriteAllText(checkpoint.File("row.json"), $$"""
            { "Fingerprint": {{System.Text.Json.JsonSerializer.Serialize(fingerprint)}}, "Row": { "Name": "SigLIP", "Objectives": "sigmoid", "Seed": 3, "ZeroShotEnglish": 0.25,
              "ImageToTextR1": 0.125, "TextToImageR1": 0.5, "ReferringAccuracy": "NaN", "SegmentationMeanIou": 0.375, "FinalSigmoidLoss": 4.5, "TrainSeconds": 12 } }
            """);
        var old = AblationRowCache.Cached(checkpoint.Path, fingerprint)!;
        Assert.False(old.HasDepth);
        Assert.True(double.IsNaN(old.DepthRmse) && double.IsNaN(old.DepthDelta1));
        Assert.Null(AblationRowCache.Cached(checkpoint.Path, "another fingerprint"));

        var o = new AblationOptions { OutputFolder = checkpoint.Path, ProbeTrainScenes = 12, ProbeTestScenes = 8 };
        var scenes = new FashionScenesConfig { Seed = 3 };
        var log = new List<string>();
        var completed = AblationStudy.WithDepth(old, o, SharedFashionMnist.Data, scenes, checkpoint.Path, fingerprint, log.Add);
        Assert.Equal(old with { DepthRmse = completed.DepthRmse, DepthDelta1 = completed.DepthDelta1 }, completed);
        Assert.True(completed.HasDepth);

        using var model = Siglip2.Checkpoints.CheckpointLoader.Load(checkpoint.Path);
        model.eval();
        var images = ImageProcessorFactory.Create(Siglip2.Configuration.PreprocessorConfig.Load(checkpoint.File("preprocessor_config.json")));
        var direct = DepthProbe.OnScenes(model, images, new FashionScenes(SharedFashionMnist.Data, scenes with { Seed = 5 }, SceneSplit.HeldOut), 12, 8);
        Assert.Equal(direct.Rmse, completed.DepthRmse, 9);
        Assert.Equal(direct.Delta1, completed.DepthDelta1, 9);

        var reread = AblationRowCache.Cached(checkpoint.Path, fingerprint)!;
        Assert.Equal(completed, reread);
        int lines = log.Count;
        Assert.Same(reread, AblationStudy.WithDepth(reread, o, SharedFashionMnist.Data, scenes, checkpoint.Path, fingerprint, log.Add));   // nothing left to do
        Assert.Equal(lines, log.Count);
    }
}
