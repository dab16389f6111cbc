using Siglip2.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Distributed.Host;

/// <summary>A seeded global batch of embedding pairs (the same on every rank) and this rank's contiguous shard of it.</summary>
internal sealed record SeededBatch(Tensor Images, Tensor Texts, Tensor LogitScale, Tensor LogitBias, long Start, long Count)
{
    public static SeededBatch Create(IProcessGroup group, long seed, long batch, long dim, ScalarType dtype)
    {
        var generator = new Generator((ulong)seed);
        var images = nn.functional.normalize(torch.randn([batch, dim], ScalarType.Float64, generator: generator), p: 2, dim: 1);
        // captions near their image, so the positives are not at chance
        var texts = nn.functional.normalize(images + 0.7 * torch.randn([batch, dim], ScalarType.Float64, generator: generator), p: 2, dim: 1);
        var scale = torch.tensor(new[] { Math.Log(10.0) }, [1], ScalarType.Float64);
        var bias = torch.tensor(new[] { -2.0 }, [1], ScalarType.Float64);
        var (starts, sizes) = SigmoidLoss.Shards(batch, group.Size);
        return new SeededBatch(images.to_type(dtype), texts.to_type(dtype), scale.to_type(dtype), bias.to_type(dtype), starts[group.Rank], sizes[group.Rank]);
    }

    public static double[] Flat(Tensor t) => t.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
}
