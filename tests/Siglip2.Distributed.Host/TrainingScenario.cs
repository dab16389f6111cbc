using Siglip2.Distributed;
using Siglip2.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Distributed.Host;

/// <summary>
/// K AdamW steps of a tiny two-tower model on seeded global batches. One process (no mpirun) takes the whole batch
/// with <see cref="SigmoidLoss.Compute"/> and no synchronisation — the reference; under mpirun each rank takes its
/// contiguous shard, <see cref="RingSigmoidLoss"/> and <see cref="MpiGradientSynchronizer"/> (with a small bucket, so
/// gradients are cut across buckets). Every rank writes its final weights, the global loss per step and the bytes
/// its gradient allreduces carried, and the first step's (averaged) gradients — AdamW is nearly blind to a
/// gradient's scale, so the weights alone would not catch a wrong normalisation.
/// </summary>
internal static class TrainingScenario
{
    private const int ImageInputs = 12, TextInputs = 10, Width = 8;

    public static void Run(IProcessGroup group, HostOutput output, HostOptions options)
    {
        long seed = options.Long("seed", 5), batchSize = options.Long("batch", 8);
        int steps = options.Int("steps", 4);
        torch.manual_seed(seed);
        var imageTower = nn.Sequential(nn.Linear(ImageInputs, 16), nn.GELU(), nn.Linear(16, Width));
        var textTower = nn.Linear(TextInputs, Width);
        var logitScale = new Parameter(torch.tensor(new[] { (float)Math.Log(10.0) }, [1], ScalarType.Float32));
        var logitBias = new Parameter(torch.tensor(new[] { -2f }, [1], ScalarType.Float32));
        var parameters = imageTower.parameters().Concat(textTower.parameters()).Append(logitScale).Append(logitBias).ToList();
        if (options.String("perturbRank", "") == group.Rank.ToString())
            using (torch.no_grad()) logitBias.add_(1e-6f);
        ReplicaConsistency.EnsureIdentical(group, parameters);
        var optimizer = torch.optim.AdamW(parameters, lr: 0.02, weight_decay: 1e-3);
        var synchronizer = new MpiGradientSynchronizer(group, options.Long("bucketBytes", 256));
        var ring = new RingSigmoidLoss(group);
        var (starts, sizes) = SigmoidLoss.Shards(batchSize, group.Size);
        long start = starts[group.Rank], count = sizes[group.Rank];

        var losses = new List<double>();
        var bytes = new List<long>();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var generator = new Generator((ulong)(seed * 1000 + step));
            var imageInputs = torch.randn([batchSize, ImageInputs], ScalarType.Float32, generator: generator).narrow(0, start, count);
            var textInputs = torch.randn([batchSize, TextInputs], ScalarType.Float32, generator: generator).narrow(0, start, count);
            optimizer.zero_grad();
            var x = nn.functional.normalize(imageTower.call(imageInputs), p: 2, dim: 1);
            var y = nn.functional.normalize(textTower.call(textInputs), p: 2, dim: 1);
            var loss = group.Size == 1 ? SigmoidLoss.Compute(x, y, logitScale, logitBias) : ring.Compute(x, y, logitScale, logitBias);
            loss.backward();
            if (group.Size > 1) synchronizer.Synchronize(parameters);
            if (step == 0) output.Add("firstGradients", parameters.SelectMany(p => SeededBatch.Flat(p.grad!)).ToArray());
            optimizer.step();
            double[] value = [loss.to_type(ScalarType.Float64).item<double>()];
            group.AllReduceSum<double>(value);
            losses.Add(value[0] / group.Size);
            bytes.Add(synchronizer.LastPayloadBytes);
        }
        output.Add("losses", losses);
        output.Add("payloadBytesPerStep", bytes);
        output.Add("weights", parameters.SelectMany(p => SeededBatch.Flat(p)).ToArray());
        output.Write();
    }
}
