using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Benchmarking;

/// <summary>
/// The rate the matrix library reaches on the products of one encoder layer at a tower's own shapes: the q, k, v, out
/// projections (width × width) and the two MLP products (width × mlp, mlp × width) over M = batch · tokens rows, each
/// timed alone with its own weight. Small M (a batch of one 64-token text: M = 64) runs well below the 1024³ rate, so
/// this is the reference a tower at that batch can approach; the tower's rate divided by this one is the share lost
/// outside the products (attention, LayerNorm, GELU, adds, thread hand-offs).
/// </summary>
public static class LayerGemmRate
{
    public sealed record Result(string DType, long Rows, long Width, long Mlp, double Gflops);

    /// <summary>The six products of one layer: (width, width) ×4, (width, mlp), (mlp, width), as (in, out, count).</summary>
    public static IReadOnlyList<(long In, long Out, int Count)> Products(long width, long mlp) => [(width, width, 4), (width, mlp, 1), (mlp, width, 1)];

    /// <summary>FLOP of those products over <paramref name="rows"/> rows (2·M·in·out each).</summary>
    public static double Flop(long rows, long width, long mlp) => Products(width, mlp).Sum(p => p.Count * 2.0 * rows * p.In * p.Out);

    public static Result Measure(ScalarType dtype, long rows, long width, long mlp, int repetitions = 5)
    {
        using var mode = torch.inference_mode();
        using var scope = NewDisposeScope();
        double seconds = 0;
        foreach (var (inFeatures, outFeatures, count) in Products(width, mlp))
        {
            var x = torch.randn(rows, inFeatures, ScalarType.Float32).to_type(dtype);
            var w = torch.randn(outFeatures, inFeatures, ScalarType.Float32).to_type(dtype);
            var b = torch.randn(outFeatures, ScalarType.Float32).to_type(dtype);
            nn.functional.linear(x, w, b).Dispose();
            var times = new List<double>(repetitions);
            for (int i = 0; i < repetitions; i++)
            {
                var clock = Stopwatch.StartNew();
                nn.functional.linear(x, w, b).Dispose();
                times.Add(clock.Elapsed.TotalSeconds);
            }
            times.Sort();
            seconds += count * times[times.Count / 2];
        }
        return new Result(DTypeNames.Of(dtype), rows, width, mlp, Flop(rows, width, mlp) / seconds / 1e9);
    }
}
