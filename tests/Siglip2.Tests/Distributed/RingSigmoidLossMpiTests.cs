using System.Text.Json;
using Xunit.Abstractions;
using Siglip2.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Distributed;

/// <summary>
/// <see cref="RingSigmoidLoss"/> on W ranks × a shard of the batch against one process on the whole batch
/// (<see cref="SigmoidLoss.Compute"/>, computed here from the batch rank 0 wrote), and against finite differences.
/// Equivalence: the mean of the ranks' losses is the one-process loss; a rank's embedding gradient / W is the
/// one-process gradient of its rows; the mean of the ranks' t′, b gradients is the one-process one.
/// </summary>
[Collection(MpiCollection.Name)]
public class RingSigmoidLossMpiTests(ITestOutputHelper log)
{
    // measured (2026-12-03): float32 |Δloss| 4.8e-7 (loss ≈ 3.6), gradients ≤ 1.2e-7; float64 ≤ 9e-16
    private const double Float32Tolerance = 2e-6, Float64Tolerance = 1e-13;

    [MpiFact]
    public void TwoRanksGiveTheLossAndGradientsOfOneProcessOnTheWholeBatch() =>
        CompareWithOneProcess(ranks: 2, batch: 8, dim: 16, ScalarType.Float32, Float32Tolerance);

    [MpiFact]
    public void ThreeRanksWithUnequalShardsGiveTheLossAndGradientsOfOneProcessInDoublePrecision() =>
        CompareWithOneProcess(ranks: 3, batch: 7, dim: 6, ScalarType.Float64, Float64Tolerance);

    [MpiFact]
    public void RingLossGradientMatchesFiniteDifferencesOnTwoAndThreeRanks()
    {
        // central differences with h = 1e-6 in float64: truncation ~h², rounding ~1e-16/h — both far below 1e-7
        foreach (int w in new[] { 2, 3 })
        {
            using var temp = new TempDirectory();
            var run = MpiRun.Run(w, "ring-loss-fd", temp.Path, "batch=7", "dim=5");
            Assert.True(run.ExitCode == 0, $"mpirun -np {w} failed ({run.ExitCode}):\n{run.Output}");
            var result = run.Rank(0);
            var names = result.GetProperty("names").EnumerateArray().Select(e => e.GetString()!).ToArray();
            var analytic = Doubles(result.GetProperty("analytic"));
            var numeric = Doubles(result.GetProperty("numeric"));
            Assert.Equal(2 * 7 + 2, names.Length);
            log.WriteLine($"{w} ranks: max |autograd − finite difference| {analytic.Zip(numeric, (a, b) => Math.Abs(a - b)).Max():E2} over {names.Length} coordinates");
            for (int i = 0; i < names.Length; i++)
            {
                Assert.True(Math.Abs(analytic[i] - numeric[i]) < 1e-7,
                    $"{w} ranks, ∂L/∂{names[i]}: autograd {analytic[i]:R} vs finite difference {numeric[i]:R}");
                Assert.True(Math.Abs(numeric[i]) > 1e-4, $"{names[i]}: a vanishing derivative checks nothing");
            }
        }
    }

    private void CompareWithOneProcess(int ranks, long batch, long dim, ScalarType dtype, double tolerance)
    {
        using var temp = new TempDirectory();
        var run = MpiRun.Run(ranks, "ring-loss", temp.Path, $"batch={batch}", $"dim={dim}", $"dtype={(dtype == ScalarType.Float64 ? "float64" : "float32")}");
        Assert.True(run.ExitCode == 0, $"mpirun -np {ranks} failed ({run.ExitCode}):\n{run.Output}");
        var results = Enumerable.Range(0, ranks).Select(run.Rank).ToArray();
        var first = results[0];

        var images = torch.tensor(Doubles(first.GetProperty("images")), [batch, dim], ScalarType.Float64).to_type(dtype).requires_grad_(true);
        var texts = torch.tensor(Doubles(first.GetProperty("texts")), [batch, dim], ScalarType.Float64).to_type(dtype).requires_grad_(true);
        var scale = torch.tensor(new[] { first.GetProperty("logitScale").GetDouble() }, [1], ScalarType.Float64).to_type(dtype).requires_grad_(true);
        var bias = torch.tensor(new[] { first.GetProperty("logitBias").GetDouble() }, [1], ScalarType.Float64).to_type(dtype).requires_grad_(true);
        var loss = SigmoidLoss.Compute(images, texts, scale, bias);
        loss.backward();
        var imageGrad = images.grad!.to_type(ScalarType.Float64).data<double>().ToArray();
        var textGrad = texts.grad!.to_type(ScalarType.Float64).data<double>().ToArray();

        var (starts, sizes) = SigmoidLoss.Shards(batch, ranks);
        double worstGradient = 0;
        for (int r = 0; r < ranks; r++)
            foreach (var (key, reference) in new[] { ("imageGrad", imageGrad), ("textGrad", textGrad) })
                worstGradient = Math.Max(worstGradient, Doubles(results[r].GetProperty(key)).Select((g, k) => Math.Abs(g / ranks - reference[starts[r] * dim + k])).Max());
        log.WriteLine($"{ranks} ranks, {dtype}: |Δloss| {Math.Abs(loss.to_type(ScalarType.Float64).item<double>() - results.Average(r => r.GetProperty("loss").GetDouble())):E2}, " +
                      $"max |Δ embedding gradient| {worstGradient:E2}, |Δ t′ gradient| {Math.Abs(scale.grad!.to_type(ScalarType.Float64).item<double>() - results.Average(r => r.GetProperty("scaleGrad").GetDouble())):E2}");
        Assert.Equal(loss.to_type(ScalarType.Float64).item<double>(), results.Average(r => r.GetProperty("loss").GetDouble()), tolerance);
        for (int r = 0; r < ranks; r++)
        {
            Assert.Equal(starts[r], results[r].GetProperty("start").GetInt64());
            Assert.Equal(sizes[r], results[r].GetProperty("count").GetInt64());
            var rankImageGrad = Doubles(results[r].GetProperty("imageGrad"));
            var rankTextGrad = Doubles(results[r].GetProperty("textGrad"));
            Assert.Equal(sizes[r] * dim, rankImageGrad.Length);
            for (int k = 0; k < rankImageGrad.Length; k++)
            {
                long at = starts[r] * dim + k;
                Assert.True(Math.Abs(rankImageGrad[k] / ranks - imageGrad[at]) <= tolerance, $"rank {r} image gradient {k}: {rankImageGrad[k] / ranks:R} vs {imageGrad[at]:R}");
                Assert.True(Math.Abs(rankTextGrad[k] / ranks - textGrad[at]) <= tolerance, $"rank {r} text gradient {k}: {rankTextGrad[k] / ranks:R} vs {textGrad[at]:R}");
            }
        }
        Assert.Equal(scale.grad!.to_type(ScalarType.Float64).item<double>(), results.Average(r => r.GetProperty("scaleGrad").GetDouble()), tolerance);
        Assert.Equal(bias.grad!.to_type(ScalarType.Float64).item<double>(), results.Average(r => r.GetProperty("biasGrad").GetDouble()), tolerance);
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
