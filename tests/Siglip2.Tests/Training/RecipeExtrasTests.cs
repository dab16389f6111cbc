using Siglip2.Modeling;
using Siglip2.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Siglip2.Tests.Training;

public class RecipeExtrasTests
{
    [Fact]
    public void PositionEmbeddingResizeKeepsSameGridAndConstantsAndMatchesBilinearByHand()
    {
        using var scope = NewDisposeScope();
        var table = torch.randn(16, 3);
        Assert.True(PositionEmbeddingResize.Resize(table, 4).SameAs(table));
        var constant = torch.full(9, 2, 2.5f);
        var up = PositionEmbeddingResize.Resize(constant, 5);
        Assert.Equal(25, up.shape[0]);
        Assert.True((up - 2.5f).abs().max().item<float>() < 1e-5f);
        // 2×2 grid [[a, b], [c, d]] (one channel) → 4×4 bilinear, align_corners = false: weights per axis (1, ¾, ¼, 0)
        float a = 1, b = 5, c = -3, d = 7;
        var small = torch.tensor(new[] { a, b, c, d }, [4, 1]);
        var big = PositionEmbeddingResize.Resize(small, 4, InterpolationMode.Bilinear).data<float>().ToArray();
        double[] w = [1, 0.75, 0.25, 0];
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
            {
                double expected = w[y] * (w[x] * a + (1 - w[x]) * b) + (1 - w[y]) * (w[x] * c + (1 - w[x]) * d);
                Assert.Equal(expected, big[y * 4 + x], 5);
            }
    }

    [Fact]
    public void LearnabilityKeepsTheExamplesHardForTheLearnerAndEasyForTheTeacher()
    {
        // learnability = learner − teacher = (4, 1, 3, 0) → keep half: examples 0 and 2
        Assert.Equal(new long[] { 0, 2 }, LearnabilitySelection.TopLearnable([5, 1, 3, 2], [1, 0, 0, 2], 0.5));
        Assert.Equal(new long[] { 0 }, LearnabilitySelection.TopLearnable([5, 1, 3, 2], [1, 0, 0, 2], 0.1));
        Assert.Equal(new long[] { 0, 1, 2, 3 }, LearnabilitySelection.TopLearnable([5, 1, 3, 2], [1, 0, 0, 2], 1.0));
    }

    [Fact]
    public void PerExampleLossesAddUpToTheSigmoidLoss()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(9);
        var x = nn.functional.normalize(torch.randn(6, 4), dim: 1);
        var y = nn.functional.normalize(torch.randn(6, 4), dim: 1);
        var t = torch.tensor(new[] { 1.2f }); var bias = torch.tensor(new[] { -2f });
        var per = LearnabilitySelection.PerExampleLoss(x, y, t, bias);
        Assert.Equal(SigmoidLoss.Compute(x, y, t, bias).item<float>(), per.sum().item<float>() / 6, 5);
        // example 0 by hand: −log σ(logit_00) − Σ_{j≠0} log σ(−logit_0j)
        var logits = (torch.matmul(x, y.t()) * Math.Exp(1.2) - 2).data<float>().ToArray();
        double hand = Math.Log(1 + Math.Exp(-logits[0]));
        for (int j = 1; j < 6; j++) hand += Math.Log(1 + Math.Exp(logits[j]));
        Assert.Equal(hand, per[0].item<float>(), 4);
    }

    [Fact]
    public void PatchBudgetScheduleIsDeterministicAndUsesEveryBudget()
    {
        var s = new PatchBudgetSchedule([8, 16, 24, 36], seed: 3);
        var draws = Enumerable.Range(0, 400).Select(i => s.At(i)).ToArray();
        Assert.Equal(draws, Enumerable.Range(0, 400).Select(i => new PatchBudgetSchedule([8, 16, 24, 36], 3).At(i)).ToArray());
        Assert.All(new[] { 8, 16, 24, 36 }, b => Assert.InRange(draws.Count(d => d == b), 60, 140));
        Assert.NotEqual(draws, Enumerable.Range(0, 400).Select(i => new PatchBudgetSchedule([8, 16, 24, 36], 4).At(i)).ToArray());
    }
}
