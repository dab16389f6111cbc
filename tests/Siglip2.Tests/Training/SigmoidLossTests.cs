using Siglip2.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Training;

public class SigmoidLossTests
{
    /// <summary>−(1/N) Σ_i Σ_j log σ(z_ij (e^{t′} x_i·y_j + b)) in plain double arithmetic.</summary>
    private static double ExpectedLoss(double[][] x, double[][] y, double scaleLog, double bias)
    {
        int n = x.Length;
        double t = Math.Exp(scaleLog), sum = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                for (int k = 0; k < x[i].Length; k++) dot += x[i][k] * y[j][k];
                double z = i == j ? 1.0 : -1.0;
                double logit = t * dot + bias;
                sum += Math.Log(1.0 + Math.Exp(-z * logit));   // −log σ(z·logit)
            }
        return sum / n;
    }

    private static Tensor T(double[][] rows, ScalarType dtype) =>
        torch.tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length], ScalarType.Float64).to_type(dtype);

    private static Tensor Scalar1(double v, ScalarType dtype) => torch.tensor(new[] { v }, [1], ScalarType.Float64).to_type(dtype);

    [Fact]
    public void TwoByTwoMatchesClosedForm()
    {
        double[][] x = [[1, 0], [0, 1]];
        double[][] y = [[0.6, 0.8], [0.8, -0.6]];
        // Hand-derived: t = e^{0.5}, b = −1.5; dots x·y = [[0.6, 0.8], [0.8, −0.6]].
        double t = Math.Exp(0.5);
        double byHand = (Math.Log(1 + Math.Exp(-(t * 0.6 - 1.5))) + Math.Log(1 + Math.Exp(t * 0.8 - 1.5))
                        + Math.Log(1 + Math.Exp(t * 0.8 - 1.5)) + Math.Log(1 + Math.Exp(-(t * -0.6 - 1.5)))) / 2;
        Assert.Equal(byHand, ExpectedLoss(x, y, 0.5, -1.5), 14);
        using var loss64 = SigmoidLoss.Compute(T(x, ScalarType.Float64), T(y, ScalarType.Float64), Scalar1(0.5, ScalarType.Float64), Scalar1(-1.5, ScalarType.Float64));
        Assert.Equal(byHand, loss64.item<double>(), 12);
        using var loss32 = SigmoidLoss.Compute(T(x, ScalarType.Float32), T(y, ScalarType.Float32), Scalar1(0.5, ScalarType.Float32), Scalar1(-1.5, ScalarType.Float32));
        Assert.True(Math.Abs(byHand - loss32.item<float>()) < 1e-6, $"{loss32.item<float>()} vs {byHand}");
    }

    [Fact]
    public void ThreeByThreeAtPaperInitMatchesClosedForm()
    {
        double s = 1 / Math.Sqrt(3), h = 1 / Math.Sqrt(2);
        double[][] x = [[s, s, s], [1, 0, 0], [0, h, -h]];
        double[][] y = [[s, -s, s], [0, 1, 0], [h, 0, h]];
        double expected = ExpectedLoss(x, y, Math.Log(10), -10);
        using var loss = SigmoidLoss.Compute(T(x, ScalarType.Float64), T(y, ScalarType.Float64), Scalar1(Math.Log(10), ScalarType.Float64), Scalar1(-10, ScalarType.Float64));
        Assert.Equal(expected, loss.item<double>(), 12);
        // Large logits: logsigmoid must stay finite and exact (a naive log(sigmoid) would give −inf here).
        using var big = SigmoidLoss.Compute(T(x, ScalarType.Float64), T(y, ScalarType.Float64), Scalar1(Math.Log(200), ScalarType.Float64), Scalar1(-100, ScalarType.Float64));
        Assert.Equal(ExpectedLoss(x, y, Math.Log(200), -100), big.item<double>(), 9);
    }

    private static (Tensor X, Tensor Y, Tensor S, Tensor B) Random64(int n, int d, long seed)
    {
        using var g = new torch.Generator((ulong)seed);
        var x = torch.randn([n, d], ScalarType.Float64, generator: g);
        var y = torch.randn([n, d], ScalarType.Float64, generator: g);
        x = (x / x.norm(1, true, 2)).detach().requires_grad_(true);
        y = (y / y.norm(1, true, 2)).detach().requires_grad_(true);
        var s = torch.tensor(new[] { Math.Log(10) }, [1], ScalarType.Float64).requires_grad_(true);
        var b = torch.tensor(new[] { -3.0 }, [1], ScalarType.Float64).requires_grad_(true);
        return (x, y, s, b);
    }

    private static double[] Grad(Tensor t) => t.grad!.data<double>().ToArray();

    [Theory]
    [InlineData(7, 1)]
    [InlineData(7, 2)]
    [InlineData(7, 3)]   // uneven shards 3, 2, 2
    [InlineData(7, 4)]   // uneven shards 2, 2, 2, 1
    [InlineData(7, 7)]
    [InlineData(8, 4)]
    public void ChunkedEqualsFullInValueAndGradients(int n, int devices)
    {
        var (x, y, s, b) = Random64(n, 5, 11);
        using var full = SigmoidLoss.Compute(x, y, s, b);
        full.backward();
        var fullGrads = new[] { Grad(x), Grad(y), Grad(s), Grad(b) };
        foreach (var t in new[] { x, y, s, b }) t.grad!.zero_();

        using var chunked = SigmoidLoss.ComputeChunked(x, y, s, b, devices);
        chunked.backward();
        var chunkedGrads = new[] { Grad(x), Grad(y), Grad(s), Grad(b) };

        Assert.True(Math.Abs(full.item<double>() - chunked.item<double>()) <= 1e-12, $"{full.item<double>()} vs {chunked.item<double>()}");
        for (int k = 0; k < 4; k++)
            for (int i = 0; i < fullGrads[k].Length; i++)
                Assert.True(Math.Abs(fullGrads[k][i] - chunkedGrads[k][i]) <= 1e-12, $"gradient {k}[{i}]: {fullGrads[k][i]} vs {chunkedGrads[k][i]}");
        Assert.True(fullGrads[2][0] != 0 && fullGrads[3][0] != 0);
    }

    [Fact]
    public void ShardsAreContiguousAndBalanced()
    {
        var (starts, sizes) = SigmoidLoss.Shards(7, 3);
        Assert.Equal(new long[] { 0, 3, 5 }, starts);
        Assert.Equal(new long[] { 3, 2, 2 }, sizes);
    }

    [Fact]
    public void GradientsMatchCentralFiniteDifferences()
    {
        var (x, y, s, b) = Random64(4, 3, 5);
        using (var loss = SigmoidLoss.Compute(x, y, s, b)) loss.backward();
        const double eps = 1e-6;
        int checkedCount = 0;
        foreach (var p in new[] { x, y, s, b })
        {
            var analytic = Grad(p);
            for (int i = 0; i < analytic.Length; i++)
            {
                double Eval(double delta)
                {
                    using var noGrad = torch.no_grad();
                    var flat = p.view(-1);
                    double original = flat[i].item<double>();
                    flat[i] = original + delta;
                    double value;
                    using (var l = SigmoidLoss.Compute(x, y, s, b)) value = l.item<double>();
                    flat[i] = original;
                    return value;
                }
                double numeric = (Eval(eps) - Eval(-eps)) / (2 * eps);
                Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-7 * Math.Max(1, Math.Abs(numeric)), $"element {i}: analytic {analytic[i]} numeric {numeric}");
                checkedCount++;
            }
        }
        Assert.Equal(4 * 3 * 2 + 2, checkedCount);
    }

    [Fact]
    public void RejectsMismatchedShapes()
    {
        using var a = torch.zeros(3, 4);
        using var c = torch.zeros(2, 4);
        using var s = torch.zeros(1);
        Assert.Throws<ArgumentException>(() => SigmoidLoss.Compute(a, c, s, s));
        Assert.Throws<ArgumentOutOfRangeException>(() => SigmoidLoss.ComputeChunked(a, a, s, s, 4));
    }
}
