using Xunit.Abstractions;

namespace Siglip2.Tests.Distributed;

/// <summary>
/// K AdamW steps of a tiny two-tower model: 2 ranks × half the batch (ring loss + bucketed gradient averaging with
/// 256-byte buckets, so tensors are cut across buckets) against one process on the whole batch (SigmoidLoss.Compute,
/// no synchronisation), from the same seed.
/// </summary>
public class DataParallelTrainingTests(ITestOutputHelper log)
{
    // measured (2026-12-03): first-step gradients max |Δ| 9.5e-7 on components up to 13.5 (relative 7e-8); after 4 steps
    // max |Δweight| 3.0e-8 on weights up to 2.2, max |Δloss| 9.5e-7 — float32 rounding of the reordered sums
    private const double WeightTolerance = 1e-5, LossTolerance = 1e-5, GradientRelativeTolerance = 1e-6;

    [MpiFact]
    public void TwoRanksTrainToTheWeightsOfOneProcessOnTheGlobalBatch()
    {
        using var single = new TempDirectory();
        using var parallel = new TempDirectory();
        var one = MpiRun.Run(0, "train", single.Path, "batch=8", "steps=4");
        Assert.True(one.ExitCode == 0, one.Output);
        var two = MpiRun.Run(2, "train", parallel.Path, "batch=8", "steps=4", "bucketBytes=256");
        Assert.True(two.ExitCode == 0, $"mpirun -np 2 failed ({two.ExitCode}):\n{two.Output}");

        var reference = one.Rank(0);
        Assert.False(reference.GetProperty("libmpiLoaded").GetBoolean());
        var expected = reference.GetProperty("weights").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var expectedLosses = reference.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var rank0 = two.Rank(0).GetProperty("weights").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var rank1 = two.Rank(1).GetProperty("weights").EnumerateArray().Select(e => e.GetDouble()).ToArray();

        // the averaged gradient of the first step is the one-process gradient (AdamW's steps hide a wrong scale)
        var expectedGradients = reference.GetProperty("firstGradients").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var gradients = two.Rank(1).GetProperty("firstGradients").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double worstGradient = expectedGradients.Zip(gradients, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worstGradient <= GradientRelativeTolerance * expectedGradients.Max(Math.Abs), $"first step: max |Δgradient| {worstGradient:E2}");
        // the ranks apply the same averaged gradient: their weights are bit-identical
        Assert.Equal(rank0, rank1);
        Assert.Equal(expected.Length, rank0.Length);
        double worst = expected.Zip(rank0, (a, b) => Math.Abs(a - b)).Max();
        log.WriteLine($"first-step max |Δgradient| {worstGradient:E2} (largest {expectedGradients.Max(Math.Abs):F3}); max |Δweight| {worst:E2} (largest weight {expected.Max(Math.Abs):F2}); max |Δloss| {expectedLosses.Zip(two.Rank(0).GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()), (a, b) => Math.Abs(a - b)).Max():E2}; wall: 1 process {one.Elapsed.TotalSeconds:F1} s, 2 ranks {two.Elapsed.TotalSeconds:F1} s");
        Assert.True(worst <= WeightTolerance, $"max |Δweight| {worst:E2} after 4 steps");
        // the weights moved: a comparison of untrained weights would check nothing
        var initial = MpiRun.Run(0, "train", single.Path + "-0", "batch=8", "steps=0");
        var untrained = initial.Rank(0).GetProperty("weights").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.True(expected.Zip(untrained, (a, b) => Math.Abs(a - b)).Max() > 0.01);

        var losses = two.Rank(0).GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int s = 0; s < expectedLosses.Length; s++)
            Assert.True(Math.Abs(expectedLosses[s] - losses[s]) <= LossTolerance, $"step {s}: loss {losses[s]:R} vs {expectedLosses[s]:R}");
        Assert.True(expectedLosses[^1] < expectedLosses[0], "the loss must fall over the steps");

        // every step reduced the flags (one float per parameter) and every gradient float once
        int parameters = 2 + 2 + 2 + 2;   // two Linear layers of the image tower, the text tower's, t′ and b
        long elements = 12 * 16 + 16 + 16 * 8 + 8 + 10 * 8 + 8 + 1 + 1;
        Assert.All(two.Rank(0).GetProperty("payloadBytesPerStep").EnumerateArray(), e => Assert.Equal(4 * (parameters + elements), e.GetInt64()));
    }

    [MpiFact]
    public void RanksThatStartFromDifferentWeightsAreRefused()
    {
        // a different seed or checkpoint on one rank: averaged gradients would never repair it, so the run stops
        using var temp = new TempDirectory();
        var run = MpiRun.Run(2, "train", temp.Path, "steps=1", "perturbRank=1");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("the weights of rank(s) 1 differ from rank 0's at the start; start every rank from the same seed or checkpoint", run.Output);
    }
}
