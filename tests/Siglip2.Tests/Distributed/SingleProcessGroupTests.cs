using Siglip2.Distributed;
using Siglip2.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Tests.Distributed;

/// <summary>The one-process group and what runs on it, in this process (no mpirun).</summary>
public class SingleProcessGroupTests
{
    [Fact]
    public void WithoutALauncherTheGroupIsOneProcessAndLoadsNoMpi()
    {
        foreach (var name in ProcessGroup.LauncherVariables) Assert.Null(Environment.GetEnvironmentVariable(name));
        Assert.Null(ProcessGroup.DetectLauncher());
        using var group = ProcessGroup.Create();
        Assert.IsType<SingleProcessGroup>(group);
        Assert.Equal((0, 1), (group.Rank, group.Size));
        Assert.DoesNotContain("libmpi.so", File.ReadAllText("/proc/self/maps"));
    }

    [Fact]
    public void CollectivesOverOneRankAreTheIdentity()
    {
        var group = new SingleProcessGroup();
        float[] values = [1.5f, -2f, 3f];
        group.AllReduceSum<float>(values);
        Assert.Equal([1.5f, -2f, 3f], values);
        Assert.Equal([42L], group.AllGather(42L));
        var received = new double[2];
        group.SendReceive<double>([7.0, 8.0], 0, received, 0);
        Assert.Equal([7.0, 8.0], received);
        // a ring of one: what goes left arrives from the right, and the other way round
        var fromRight = new float[1];
        var fromLeft = new float[2];
        group.ExchangeWithNeighbours<float>([1f], fromRight, [2f, 3f], fromLeft);
        Assert.Equal([1f], fromRight);
        Assert.Equal([2f, 3f], fromLeft);
        Assert.Throws<ArgumentOutOfRangeException>(() => group.SendReceive<double>([1.0], 1, new double[1], 0));
        Assert.Throws<ArgumentException>(() => group.SendReceive<double>([1.0], 0, new double[2], 0));
        Assert.Equal(0, group.Statistics.PayloadBytes);
    }

    [Fact]
    public void RingLossOnOneRankIsTheSigmoidLossWithItsGradients()
    {
        // one rank: no exchange, W/N = 1/N — the value and every gradient must be SigmoidLoss.Compute's
        var generator = new Generator(11);
        var x = nn.functional.normalize(torch.randn([5, 4], ScalarType.Float64, generator: generator), p: 2, dim: 1);
        var y = nn.functional.normalize(torch.randn([5, 4], ScalarType.Float64, generator: generator), p: 2, dim: 1);
        var (ring, reference) = (Leaves(x, y), Leaves(x, y));
        var ringLoss = new RingSigmoidLoss(new SingleProcessGroup()).Compute(ring[0], ring[1], ring[2], ring[3]);
        var referenceLoss = SigmoidLoss.Compute(reference[0], reference[1], reference[2], reference[3]);
        ringLoss.backward();
        referenceLoss.backward();
        Assert.Equal(referenceLoss.item<double>(), ringLoss.item<double>(), 1e-14);
        for (int i = 0; i < 4; i++)
            Assert.True(torch.allclose(ring[i].grad!, reference[i].grad!, rtol: 0, atol: 1e-14), $"gradient {i} differs");
    }

    [Fact]
    public void ExchangeGradientsFlowBackToTheSentTensor()
    {
        // on one rank the exchange is a copy in both directions, so d(sum(a·fromRight) + sum(b·fromLeft))/d(toLeft) = a
        var group = new SingleProcessGroup();
        var toLeft = torch.tensor(new[] { 1.0, 2.0 }, [1, 2], ScalarType.Float64).requires_grad_(true);
        var toRight = torch.tensor(new[] { 3.0, 4.0, 5.0, 6.0 }, [2, 2], ScalarType.Float64).requires_grad_(true);
        var (fromRight, fromLeft) = NeighbourExchange.Bidirectional(group, toLeft, toRight, [1, 2], [2, 2]);
        var a = torch.tensor(new[] { 0.5, -1.0 }, [1, 2], ScalarType.Float64);
        var b = torch.tensor(new[] { 2.0, 3.0, -4.0, 0.25 }, [2, 2], ScalarType.Float64);
        ((fromRight * a).sum() + (fromLeft * b).sum() + (NeighbourExchange.ShiftRight(group, toLeft, [1, 2]) * 3.0).sum()).backward();
        Assert.Equal(new[] { 3.5, 2.0 }, toLeft.grad!.data<double>().ToArray());
        Assert.Equal(b.data<double>().ToArray(), toRight.grad!.data<double>().ToArray());
        Assert.Equal(new[] { 3.0, 4.0, 5.0, 6.0 }, fromLeft.detach().data<double>().ToArray());
    }

    [Fact]
    public void GradientAveragingOnOneRankChangesNothing()
    {
        var weight = new Parameter(torch.ones(3, 2));
        (weight * torch.arange(6, dtype: ScalarType.Float32).view(3, 2)).sum().backward();
        var before = weight.grad!.data<float>().ToArray();
        var synchronizer = new MpiGradientSynchronizer(new SingleProcessGroup(), bucketBytes: 8);
        synchronizer.Synchronize([weight]);
        Assert.Equal(before, weight.grad!.data<float>().ToArray());
        Assert.Equal(0, synchronizer.LastPayloadBytes);
    }

    private static Tensor[] Leaves(Tensor x, Tensor y) =>
    [
        x.clone().requires_grad_(true), y.clone().requires_grad_(true),
        torch.tensor(new[] { 1.2 }, [1], ScalarType.Float64).requires_grad_(true),
        torch.tensor(new[] { -3.0 }, [1], ScalarType.Float64).requires_grad_(true),
    ];
}
