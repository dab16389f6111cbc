using Siglip2.Data;
using Siglip2.Tasks.Evaluation;
using Siglip2.Tests.Data;
using Siglip2.Tests.Reliability;

namespace Siglip2.Tests.Tasks;

/// <summary>
/// The fairness experiment end to end at a toy budget: three streams trained and scored, the results section and its
/// chart written, finished runs reused; and the balanced stream's training batches are the filter's windows.
/// </summary>
public class FairnessExperimentTests
{
    [Fact]
    public void TheExperimentWritesItsSectionAndReusesFinishedRuns()
    {
        using var tmp = new TempDirectory();
        string results = tmp.File("results.md");
        File.WriteAllText(results, "# Results\n\n## Ablation\n\nkept\n");
        string[] args = ["fairness", "--seeds", "3", "--steps", "3", "--batch-size", "16", "--output", tmp.File("runs"), "--results", results, "--images", "50", "--scenes", "20"];
        var r = CliRun.Main(TimeSpan.FromSeconds(120), args);
        Assert.True(r.ExitCode == 0, r.StdErr);
        string text = File.ReadAllText(results);
        Assert.Contains("## Ablation\n\nkept", text);
        Assert.Contains("## Representation bias", text);
        foreach (var stream in new[] { "| biased |", "| balanced |", "| unbiased control |" }) Assert.Contains(stream, text);
        Assert.True(new FileInfo(tmp.File("fairness.png")).Length > 1000);
        foreach (var folder in new[] { "biased-seed3", "balanced-seed3", "unbiased-control-seed3" })
            Assert.True(File.Exists(Path.Combine(tmp.File("runs"), folder, FairnessExperiment.ScoresFileName)), folder);
        var again = CliRun.Main(args);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("done before", again.StdErr);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(results), "## Representation bias"));
    }

    [Fact]
    public void AbsorbedCoOccurrenceIsSignedTowardsTheBiasedMakerAndArbitraryPreferencesCancel()
    {
        static FairnessRow Row(params double[] shares) => new("x", 0, 0, 0, shares, 0, 0, 0);
        // the whole association: Aster for every even class, Boreal for every odd one
        Assert.Equal(0.5, Row(1, 0, 1, 0, 1, 0, 1, 0, 1, 0).CoOccurrenceAbsorbed, 12);
        Assert.Equal(-0.5, Row(0, 1, 0, 1, 0, 1, 0, 1, 0, 1).CoOccurrenceAbsorbed, 12);
        // a strong but arbitrary preference per class (not the biased pattern) gives 0
        Assert.Equal(0, Row(1, 1, 0, 0, 1, 1, 0, 0, 0.5, 0.5).CoOccurrenceAbsorbed, 12);
        Assert.Equal((0.9 + 0.7) / 2 - 0.5, Row(0.9, 0.7).AsterLean, 12);
    }

    [Fact]
    public void TheBalancedStreamTrainsOnTheFiltersWindows()
    {
        var recipe = FairnessExperiment.DefaultRecipe with { Seed = 2 };
        var scenes = new FashionScenes(SharedFashionMnist.Data, FairnessExperiment.Biased(recipe.RunScenes), SceneSplit.Train);
        var balancing = AttributeBalancing.Calibrate(scenes.Stream(0, 2000), BalancingOrder.SecondOrder, recipe.Seed);
        var windows = new BalancedSceneWindows(scenes, balancing);
        var batch = windows.Batch(5, 64);
        Assert.All(batch, s => Assert.InRange(s.Index, 5 * 128, 6 * 128 - 1));
        Assert.Contains(Enumerable.Range(5 * 128, 128), i => !batch.Any(s => s.Index == i)); // some scenes were dropped
        // what docs/results.md says of the balanced stream: fewer single-item scenes than the stream it filters
        double Single(IEnumerable<Scene> b) => b.Average(s => s.Items.Count == 1 ? 1.0 : 0.0);
        double filtered = Enumerable.Range(0, 30).SelectMany(step => windows.Batch(step, 64)).Average(s => s.Items.Count == 1 ? 1.0 : 0.0);
        double plain = Single(scenes.Stream(0, 30 * 64));
        Assert.True(filtered < plain - 0.02, $"single-item share {filtered:P1} balanced vs {plain:P1} plain");
    }
}
