using Siglip2.Distributed;
using Xunit.Abstractions;

namespace Siglip2.Tests.Distributed;

/// <summary>
/// K AdamW steps of a tiny model (two small MLP towers, or a width-32 Siglip2Model): 2 ranks × half the batch (ring loss +
/// bucketed gradient averaging) against one process on the whole batch (SigmoidLoss.Compute,
/// no synchronisation), from the same seed.
/// </summary>
[Collection(MpiCollection.Name)]
public class DataParallelTrainingTests(ITestOutputHelper log)
{
    // measured (2026-12-03), float32 rounding of the reordered sums:
    //   linear, 4 steps: first-step gradients max |Δ| 9.5e-7 on components up to 13.5; weights 3.0e-8 (up to 2.2); losses 9.5e-7
    //   siglip2, 3 steps: first-step gradients 3.6e-7 (up to 1.5); weights 4.6e-7 (up to 9.9) but the 96 key biases
    //   4.2e-2 ≈ 2·lr (see below); losses 9.5e-7 (11.5 → 3.3)
    private const double WeightTolerance = 1e-5, LossTolerance = 1e-5, GradientRelativeTolerance = 1e-6;

    [MpiTheory]
    [InlineData("linear", 4, 256)]                                        // tensors cut across many buckets
    [InlineData("siglip2", 3, GradientAllReduce.DefaultBucketBytes)]     // the default: one 25 MB bucket holds the whole model
    public void TwoRanksTrainToTheWeightsOfOneProcessOnTheGlobalBatch(string model, int steps, long bucketBytes)
    {
        using var single = new TempDirectory();
        using var parallel = new TempDirectory();
        var one = MpiRun.Run(0, "train", single.Path, "batch=8", $"steps={steps}", $"model={model}");
        Assert.True(one.ExitCode == 0, one.Output);
        var two = MpiRun.Run(2, "train", parallel.Path, "batch=8", $"steps={steps}", $"bucketBytes={bucketBytes}", $"model={model}");
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
        // attention key biases: ∂L/∂b_k is zero in exact arithmetic (softmax_j(q·(k_j + b_k)) does not depend on b_k),
        // so their gradients are rounding noise (~1e-8) whose sign depends on the summation order, and AdamW divides
        // that noise by its own magnitude — steps of ±lr either way. They are checked to have no gradient instead.
        var names = reference.GetProperty("parameterNames").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var sizes = reference.GetProperty("parameterSizes").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var keyBias = new bool[expected.Length];
        for (int t = 0, offset = 0; t < names.Length; offset += (int)sizes[t], t++)
            for (long k = 0; k < sizes[t]; k++)
                keyBias[offset + k] = names[t].EndsWith("k_proj.bias")
                                      || (names[t].EndsWith("attention.in_proj_bias") && k >= sizes[t] / 3 && k < 2 * sizes[t] / 3);
        var gradientsOfOne = reference.GetProperty("firstGradients").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int k = 0; k < expected.Length; k++)
            if (keyBias[k]) Assert.True(Math.Abs(gradientsOfOne[k]) < 1e-6 && Math.Abs(gradients[k]) < 1e-6, $"key bias {k} has a gradient");
        Assert.Equal(model == "siglip2" ? 3 * 32 : 0, keyBias.Count(b => b));
        double worst = Enumerable.Range(0, expected.Length).Where(k => !keyBias[k]).Max(k => Math.Abs(expected[k] - rank0[k]));
        double worstKeyBias = Enumerable.Range(0, expected.Length).Where(k => keyBias[k]).Select(k => Math.Abs(expected[k] - rank0[k])).DefaultIfEmpty(0).Max();
        log.WriteLine($"{model}: first-step max |Δgradient| {worstGradient:E2} (largest {expectedGradients.Max(Math.Abs):F3}); " +
                      $"max |Δweight| {worst:E2} (largest weight {expected.Max(Math.Abs):F2}; key biases {worstKeyBias:E2}); " +
                      $"wall: 1 process {one.Elapsed.TotalSeconds:F1} s, 2 ranks {two.Elapsed.TotalSeconds:F1} s");
        Assert.True(worst <= WeightTolerance, $"max |Δweight| {worst:E2} after {steps} steps");
        // the weights moved: a comparison of untrained weights would check nothing
        using var untrainedFolder = new TempDirectory();
        var initial = MpiRun.Run(0, "train", untrainedFolder.Path, "batch=8", "steps=0", $"model={model}");
        var untrained = initial.Rank(0).GetProperty("weights").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.True(expected.Zip(untrained, (a, b) => Math.Abs(a - b)).Max() > 0.01);

        var losses = two.Rank(0).GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int s = 0; s < expectedLosses.Length; s++)
            Assert.True(Math.Abs(expectedLosses[s] - losses[s]) <= LossTolerance, $"step {s}: loss {losses[s]:R} vs {expectedLosses[s]:R}");
        Assert.True(expectedLosses[^1] < expectedLosses[0], "the loss must fall over the steps");

        // every step reduced the flags (one float per parameter tensor) and every gradient float once
        long tensors = reference.GetProperty("parameterTensors").GetInt64(), elements = reference.GetProperty("parameterCount").GetInt64();
        if (model == "linear")
            Assert.Equal((2L + 2 + 2 + 2, 12L * 16 + 16 + 16 * 8 + 8 + 10 * 8 + 8 + 1 + 1), (tensors, elements));   // 3 Linear layers, t′, b
        Assert.All(two.Rank(0).GetProperty("payloadBytesPerStep").EnumerateArray(), e => Assert.Equal(4 * (tensors + elements), e.GetInt64()));
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
