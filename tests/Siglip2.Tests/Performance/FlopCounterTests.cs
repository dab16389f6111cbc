using Siglip2.Configuration;
using Siglip2.Tasks.Benchmarking;

namespace Siglip2.Tests.Performance;

/// <summary>The benchmark's FLOP counts against the published per-item costs of the B/16 towers and closed forms.</summary>
public class FlopCounterTests
{
    [Fact]
    public void BaseImageTowerAt224IsAbout35Point4Gflop()
    {
        // Reference figure from the benchmark issue: B/16@224 image ≈ 35.4 GFLOP (2·M·N·K of every matmul).
        var config = Siglip2Config.Load(FixturePaths.Path("real-shapes", "siglip2-base-patch16-224", "config.json"));
        double gflop = FlopCounter.ImageTower(config.Vision!) / 1e9;
        Assert.InRange(gflop, 35.3, 35.5);
    }

    [Fact]
    public void BaseTextTowerAt64TokensIsAbout11Gflop()
    {
        var config = Siglip2Config.Load(FixturePaths.Path("real-shapes", "siglip2-base-patch16-224", "config.json"));
        double gflop = FlopCounter.TextTower(config.Text!, 64) / 1e9;
        Assert.InRange(gflop, 10.9, 11.1);
    }

    [Fact]
    public void OneLayerOfWidthOneCountsEachProductOnce()
    {
        // tokens 1, width 1, mlp 1: q, k, v, out (4 × 2), q·kᵀ and w·v (2 × 2), fc1 and fc2 (2 × 2) = 16.
        Assert.Equal(16, FlopCounter.EncoderLayer(1, 1, 1));
        // Attention grows with the square of the tokens: 2 tokens → 4·(8·1) + 4·4·1... computed term by term.
        Assert.Equal(8 * 2 + 4 * 4 + 4 * 2, FlopCounter.EncoderLayer(2, 1, 1));
        Assert.Equal(2.0 * 1024 * 1024 * 1024, FlopCounter.SquareMatmul(1024));
    }

    [Fact]
    public void NaflexCountUsesThePaddedLength()
    {
        var config = Siglip2Config.Load(FixturePaths.Path("real-shapes", "siglip2-base-patch16-naflex", "config.json"));
        Assert.Equal(FlopCounter.ImageTower(config.Vision!, 256L), FlopCounter.ImageTower(config.Vision!));
        Assert.True(FlopCounter.ImageTower(config.Vision!, 1024L) > 4 * FlopCounter.ImageTower(config.Vision!, 256L));
    }

    [Fact]
    public void TimingStatisticsMatchNumpyQuantiles()
    {
        // numpy.quantile([5, 1, 4, 2, 3], [0.25, 0.5, 0.75]) = [2, 3, 4]; with 4 values [1, 2, 3, 10]: 1.75, 2.5, 4.75.
        var s = TimingStatistics.From([5, 1, 4, 2, 3]);
        Assert.Equal((2.0, 3.0, 4.0, 1.0, 5.0), (s.Q1Ms, s.MedianMs, s.Q3Ms, s.MinMs, s.MaxMs));
        var t = TimingStatistics.From([1, 2, 3, 10]);
        Assert.Equal((1.75, 2.5, 4.75), (t.Q1Ms, t.MedianMs, t.Q3Ms));
    }

    [Fact]
    public void LayerGemmProductsAreTheEncoderLayerWithoutAttentionScores()
    {
        // B text layer at batch 1: M = 64 rows, D = 768, I = 3072: 2·64·(4·768² + 2·768·3072) = 905,969,664 FLOP;
        // the encoder layer adds q·kᵀ and weights·v: 2·2·64²·768 = 12,582,912.
        Assert.Equal(905_969_664d, LayerGemmRate.Flop(64, 768, 3072));
        Assert.Equal(FlopCounter.EncoderLayer(64, 768, 3072) - 12_582_912d, LayerGemmRate.Flop(64, 768, 3072));
    }
}
