using Siglip2.Data;

namespace Siglip2.Tests.Data;

/// <summary>
/// The fairness experiment's caption attribute: invisible in the image, at the configured share, prevalence and class
/// co-occurrence (binomial bounds), English single-item captions only; and the balancing filter brings every
/// (class, attribute) cell to parity, deterministically.
/// </summary>
public class CaptionAttributeTests
{
    private static readonly FashionScenesConfig Biased = new()
    {
        Seed = 5, AttributeShare = 0.5, AttributePrevalence = 0.65, AttributeClassBias = 0.6,
    };

    private static FashionScenes Scenes(FashionScenesConfig config) => new(SharedFashionMnist.Data, config, SceneSplit.Train);

    [Fact]
    public void TheAttributeChangesOnlyTheCaptionOfEnglishSingleItemScenes()
    {
        var plain = Scenes(Biased with { AttributeShare = 0 });
        var biased = Scenes(Biased);
        int attributed = 0, eligible = 0;
        for (long i = 0; i < 600; i++)
        {
            var a = plain.Generate(i);
            var b = biased.Generate(i);
            Assert.Equal(a.Rgb, b.Rgb);              // the image never shows it
            Assert.Equal(a.ClassMask, b.ClassMask);
            Assert.Null(a.Attribute);
            bool canCarry = a.Language == "en" && a.Items.Count == 1;
            if (canCarry) eligible++;
            if (b.Attribute is int v)
            {
                Assert.True(canCarry);
                attributed++;
                Assert.Equal(a.Caption[..^1] + " by " + CaptionAttribute.Names[v] + ".", b.Caption);
            }
            else Assert.Equal(a.Caption, b.Caption);
        }
        // share 0.5 of the eligible scenes: within 4 binomial standard deviations
        Assert.InRange(attributed, eligible * 0.5 - 4 * Math.Sqrt(eligible * 0.25), eligible * 0.5 + 4 * Math.Sqrt(eligible * 0.25));
    }

    private static (long[,] Counts, int Total) Count(IEnumerable<Scene> scenes)
    {
        var counts = new long[FashionMnist.ClassCount, 2];
        int total = 0;
        foreach (var s in scenes)
            if (s.Attribute is int a) { counts[s.Items[0].ClassId, a]++; total++; }
        return (counts, total);
    }

    [Fact]
    public void AsterFollowsThePrevalenceAndTheClassBias()
    {
        var (counts, _) = Count(Scenes(Biased).Stream(0, 6000));
        for (int c = 0; c < FashionMnist.ClassCount; c++)
        {
            double n = counts[c, 0] + counts[c, 1];
            double p = c % 2 == 0 ? 0.65 + 0.3 : 0.65 - 0.3; // prevalence ± half the bias
            Assert.Equal(p, CaptionAttribute.AsterProbability(Biased, c), 12);
            double sd = Math.Sqrt(p * (1 - p) / n);
            Assert.InRange(counts[c, 0] / n, p - 4 * sd, p + 4 * sd);
        }
        Assert.Equal(1.0, CaptionAttribute.AsterProbability(Biased with { AttributePrevalence = 0.9, AttributeClassBias = 1 }, 0));
        Assert.Throws<Siglip2Exception>(() => (Biased with { AttributeClassBias = 1.5 }).Validate());
    }

    [Theory]
    [InlineData(BalancingOrder.SecondOrder)]
    [InlineData(BalancingOrder.FirstOrder)]
    public void BalancingBringsTheCellsToParity(BalancingOrder order)
    {
        var scenes = Scenes(Biased);
        var balancing = AttributeBalancing.Calibrate(scenes.Stream(0, 4000), order, seed: 9);
        var windows = new BalancedSceneWindows(scenes, balancing);
        var batches = Enumerable.Range(0, 40).Select(s => windows.Batch(s, 128)).ToList();
        Assert.All(batches, b => Assert.Equal(128, b.Count));
        Assert.Equal(0, windows.Shortfall);
        var (after, total) = Count(batches.SelectMany(b => b));
        long aster = 0;
        for (int c = 0; c < FashionMnist.ClassCount; c++) aster += after[c, 0];
        double sdAll = Math.Sqrt(0.25 / total);
        Assert.InRange(aster / (double)total, 0.5 - 4 * sdAll, 0.5 + 4 * sdAll);  // first order: both balance it
        for (int c = 0; c < FashionMnist.ClassCount; c++)
        {
            double n = after[c, 0] + after[c, 1], share = after[c, 0] / n;
            if (order == BalancingOrder.SecondOrder) Assert.InRange(share, 0.5 - 4 * Math.Sqrt(0.25 / n), 0.5 + 4 * Math.Sqrt(0.25 / n));
            else Assert.True(Math.Abs(share - 0.5) > 0.15, $"class {c}: first-order balancing leaves the class association ({share:F2})");
        }
        // batch s is a function of s: a second filter with the same calibration and seed picks the same scenes
        var again = new BalancedSceneWindows(scenes, AttributeBalancing.Calibrate(scenes.Stream(0, 4000), order, seed: 9));
        Assert.Equal(batches[17].Select(s => s.Index), again.Batch(17, 128).Select(s => s.Index));
        Assert.True(batches[17].All(s => s.Index >= 17 * 256 && s.Index < 18 * 256));
    }
}
