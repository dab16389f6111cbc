using Siglip2.Configuration;
using Siglip2.Modeling;
using Siglip2.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Distributed.Host;

/// <summary>
/// K AdamW steps of a tiny model on seeded global batches: <c>model=linear</c>, two small MLP towers, or
/// <c>model=siglip2</c>, a <see cref="Siglip2Model"/> of width 32 (8×8 images, 8-token texts) initialised by
/// <see cref="ModelInitializer"/>. One process (no mpirun) takes the whole batch with <see cref="SigmoidLoss.Compute"/>
/// and no synchronisation — the reference; under mpirun each rank takes its contiguous shard,
/// <see cref="RingSigmoidLoss"/> and <see cref="MpiGradientSynchronizer"/> (with a small bucket, so gradients are cut
/// across buckets). Every rank writes its final weights, the global loss per step, the bytes its gradient allreduces
/// carried, and the first step's (averaged) gradients — AdamW is nearly blind to a gradient's scale, so the weights
/// alone would not catch a wrong normalisation.
/// </summary>
internal static class TrainingScenario
{
    private sealed record TinyModel(List<(string Name, Parameter Value)> Named, Parameter LogitScale, Parameter LogitBias,
                                    Func<long, Generator, (Tensor Images, Tensor Texts)> Inputs,
                                    Func<Tensor, Tensor, (Tensor X, Tensor Y)> Embed);

    public static void Run(IProcessGroup group, HostOutput output, HostOptions options)
    {
        long seed = options.Long("seed", 5), batchSize = options.Long("batch", 8);
        int steps = options.Int("steps", 4);
        var model = options.String("model", "linear") == "siglip2" ? Siglip2(seed) : Linear(seed);
        var parameters = model.Named.Select(p => p.Value).ToList();
        if (options.String("perturbRank", "") == group.Rank.ToString())
            using (torch.no_grad()) model.LogitBias.add_(1e-6f);
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
            var (images, texts) = model.Inputs(batchSize, new Generator((ulong)(seed * 1000 + step)));
            optimizer.zero_grad();
            var (x, y) = model.Embed(images.narrow(0, start, count), texts.narrow(0, start, count));
            var loss = group.Size == 1 ? SigmoidLoss.Compute(x, y, model.LogitScale, model.LogitBias) : ring.Compute(x, y, model.LogitScale, model.LogitBias);
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
        output.Add("parameterCount", parameters.Sum(p => p.numel()));
        output.Add("parameterNames", model.Named.Select(p => p.Name).ToArray());
        output.Add("parameterSizes", parameters.Select(p => p.numel()).ToArray());
        output.Add("parameterTensors", parameters.Count);
        output.Add("weights", parameters.SelectMany(p => SeededBatch.Flat(p)).ToArray());
        output.Write();
    }

    private static TinyModel Linear(long seed)
    {
        torch.manual_seed(seed);
        var imageTower = nn.Sequential(nn.Linear(12, 16), nn.GELU(), nn.Linear(16, 8));
        var textTower = nn.Linear(10, 8);
        var scale = new Parameter(torch.tensor(new[] { (float)Math.Log(10.0) }, [1], ScalarType.Float32));
        var bias = new Parameter(torch.tensor(new[] { -2f }, [1], ScalarType.Float32));
        var named = imageTower.named_parameters().Select(p => ("image." + p.name, p.parameter))
            .Concat(textTower.named_parameters().Select(p => ("text." + p.name, p.parameter)))
            .Append(("logit_scale", scale)).Append(("logit_bias", bias)).ToList();
        return new TinyModel(named, scale, bias,
            (n, g) => (torch.randn([n, 12], ScalarType.Float32, generator: g), torch.randn([n, 10], ScalarType.Float32, generator: g)),
            (images, texts) => (nn.functional.normalize(imageTower.call(images), p: 2, dim: 1), nn.functional.normalize(textTower.call(texts), p: 2, dim: 1)));
    }

    private static TinyModel Siglip2(long seed)
    {
        const int width = 32, vocab = 64, length = 8;
        var config = new Siglip2Config
        {
            ModelType = Siglip2Config.FixedModelType,
            Text = new TextConfig
            {
                ModelType = "siglip_text_model", VocabSize = vocab, HiddenSize = width, IntermediateSize = 2 * width,
                NumHiddenLayers = 1, NumAttentionHeads = 2, MaxPositionEmbeddings = length, ProjectionSize = width,
            },
            Vision = new VisionConfig
            {
                ModelType = VisionConfig.FixedModelType, HiddenSize = width, IntermediateSize = 2 * width, NumHiddenLayers = 1,
                NumAttentionHeads = 2, NumChannels = 3, ImageSize = 8, PatchSize = 4,
            },
        };
        var model = new Siglip2Model(config);
        ModelInitializer.Initialize(model, seed);
        return new TinyModel(model.named_parameters().Select(p => (p.name, p.parameter)).ToList(), model.LogitScale!, model.LogitBias!,
            (n, g) => (torch.randn([n, 3, 8, 8], ScalarType.Float32, generator: g), torch.randint(0, vocab, [n, length], ScalarType.Int64, generator: g)),
            (images, texts) => (model.EmbedImages(images), model.EmbedTexts(texts)));
    }
}
