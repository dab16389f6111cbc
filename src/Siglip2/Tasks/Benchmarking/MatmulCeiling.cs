using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Benchmarking;

/// <summary>The machine's practical limit for dense math: an n×n·n×n product through TorchSharp, in GFLOP/s.</summary>
public static class MatmulCeiling
{
    public sealed record Result(string DType, int Size, TimingStatistics Timing, double Gflops);

    public static Result Measure(ScalarType dtype, int size = 1024, int warmup = 3, int repetitions = 15)
    {
        using var noGrad = torch.inference_mode();
        using var scope = NewDisposeScope();
        var a = torch.randn(size, size, ScalarType.Float32).to_type(dtype);
        var b = torch.randn(size, size, ScalarType.Float32).to_type(dtype);
        for (int i = 0; i < warmup; i++) torch.matmul(a, b).Dispose();
        var times = new List<double>();
        for (int i = 0; i < repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            using var c = torch.matmul(a, b);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        var stats = TimingStatistics.From(times);
        return new Result(DTypeNames.Of(dtype), size, stats, FlopCounter.SquareMatmul(size) / (stats.MedianMs * 1e-3) / 1e9);
    }
}

/// <summary>Short dtype names used in reports: fp32, bf16.</summary>
public static class DTypeNames
{
    public static string Of(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "fp32",
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float16 => "fp16",
        ScalarType.Float64 => "fp64",
        _ => dtype.ToString(),
    };
}
