using System.Diagnostics;
using Siglip2.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Benchmarking;

/// <summary>
/// Times <see cref="ScaledDotProduct.Compute"/> with the fused (SDPA) and explicit (eager) implementations on real
/// attention shapes, per dtype, with and without a NaFlex padding mask — the measurement behind
/// <see cref="AttentionImplementation.Auto"/>.
/// </summary>
public static class AttentionComparison
{
    public sealed record Result(string Shape, string DType, bool Masked, double SdpaMs, double EagerMs, string Faster, string AutoPicks);

    /// <param name="batch">B</param><param name="heads">H</param><param name="tokens">S</param><param name="headDim">D</param>
    /// <param name="paddedTokens">how many of the S keys are padding (masked); 0 for no mask.</param>
    public static Result Measure(ScalarType dtype, int batch, int heads, int tokens, int headDim, int paddedTokens, int repetitions = 7)
    {
        using var mode = torch.inference_mode();
        using var scope = NewDisposeScope();
        var q = torch.randn(batch, heads, tokens, headDim).to_type(dtype);
        var k = torch.randn(batch, heads, tokens, headDim).to_type(dtype);
        var v = torch.randn(batch, heads, tokens, headDim).to_type(dtype);
        Tensor? mask = null;
        if (paddedTokens > 0)
        {
            var keep = torch.ones(batch, tokens, ScalarType.Int64);
            keep.narrow(1, tokens - paddedTokens, paddedTokens).fill_(0);
            mask = AttentionMask.ToAdditive(keep, dtype);
        }
        double Time(AttentionImplementation impl)
        {
            for (int i = 0; i < 2; i++) ScaledDotProduct.Compute(q, k, v, mask, impl).Dispose();
            var times = new List<double>();
            for (int i = 0; i < repetitions; i++)
            {
                var clock = Stopwatch.StartNew();
                ScaledDotProduct.Compute(q, k, v, mask, impl).Dispose();
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
            return TimingStatistics.From(times).MedianMs;
        }
        // Interleave the two so slow drifts of a shared machine hit both alike.
        double sdpa1 = Time(AttentionImplementation.Sdpa), eager1 = Time(AttentionImplementation.Eager);
        double sdpa2 = Time(AttentionImplementation.Sdpa), eager2 = Time(AttentionImplementation.Eager);
        double sdpa = Math.Min(sdpa1, sdpa2), eager = Math.Min(eager1, eager2);
        return new Result($"B{batch}·H{heads}·S{tokens}·D{headDim}", DTypeNames.Of(dtype), paddedTokens > 0, sdpa, eager,
            sdpa <= eager ? "sdpa" : "eager", ScaledDotProduct.UsesFused(AttentionImplementation.Auto, dtype) ? "sdpa" : "eager");
    }
}
