using Siglip2.Configuration;
using Siglip2.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Training;

/// <summary>Tiny configs and a synthetic, separable, step-deterministic data set for the training tests.</summary>
internal static class TinyModels
{
    public const int Vocab = 64;
    public const int TextLength = 8;

    public static TextConfig Text(int width = 32, int layers = 1) => new()
    {
        ModelType = "siglip_text_model", VocabSize = Vocab, HiddenSize = width, IntermediateSize = 2 * width,
        NumHiddenLayers = layers, NumAttentionHeads = 2, MaxPositionEmbeddings = TextLength, ProjectionSize = width,
    };

    public static Siglip2Config Fixed(int width = 32, int layers = 1) => new()
    {
        ModelType = Siglip2Config.FixedModelType,
        Text = Text(width, layers),
        Vision = new VisionConfig
        {
            ModelType = VisionConfig.FixedModelType, HiddenSize = width, IntermediateSize = 2 * width, NumHiddenLayers = layers,
            NumAttentionHeads = 2, NumChannels = 3, ImageSize = 8, PatchSize = 4,
        },
    };

    public static Siglip2Config Naflex(int width = 32, int layers = 1) => new()
    {
        ModelType = Siglip2Config.NaflexModelType,
        Text = Text(width, layers) with { ModelType = "siglip2_text_model" },
        Vision = new VisionConfig
        {
            ModelType = VisionConfig.NaflexModelType, HiddenSize = width, IntermediateSize = 2 * width, NumHiddenLayers = layers,
            NumAttentionHeads = 2, NumChannels = 3, PatchSize = 4, NumPatches = 16,
        },
    };
}

/// <summary>
/// K classes; class k has a fixed random image (or NaFlex patch set with its own grid shape) and a fixed caption.
/// Batch s holds every class once, in a step-seeded order, each image with fresh step-seeded noise — a function of
/// the step alone.
/// </summary>
internal sealed class SeparableBatchSource : ITrainingBatchSource
{
    private readonly Siglip2Config _config;
    private readonly int _classes;
    private readonly int _seed;
    private readonly float[][] _images;
    private readonly long[][] _captions;
    private readonly (int H, int W)[] _grids;
    private const int MaxPatches = 8;
    private static readonly (int, int)[] GridChoices = [(2, 4), (4, 2), (2, 2), (2, 3), (3, 2), (1, 4)];

    public SeparableBatchSource(Siglip2Config config, int classes, int seed = 1)
    {
        _config = config;
        _classes = classes;
        _seed = seed;
        var rng = new Random(seed);
        var v = config.Vision!;
        int imageSize = v.IsNaflex ? MaxPatches * v.PatchDim : v.NumChannels * v.ImageSize * v.ImageSize;
        _images = Enumerable.Range(0, classes).Select(_ => Enumerable.Range(0, imageSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
        _grids = Enumerable.Range(0, classes).Select(k => GridChoices[k % GridChoices.Length]).ToArray();
        _captions = Enumerable.Range(0, classes).Select(_ =>
        {
            int words = rng.Next(2, TinyModels.TextLength - 1);
            var ids = new long[TinyModels.TextLength];
            for (int i = 0; i < words; i++) ids[i] = rng.Next(4, TinyModels.Vocab);
            ids[words] = 1; // EOS, then PAD 0
            return ids;
        }).ToArray();
    }

    public TrainingBatch GetBatch(long step)
    {
        var rng = new Random(unchecked(_seed * 7919 + (int)step * 104729));
        var order = Enumerable.Range(0, _classes).OrderBy(_ => rng.Next()).ToArray();
        int b = _classes;
        var ids = order.SelectMany(k => _captions[k]).ToArray();
        var pixels = order.SelectMany(k => _images[k].Select(p => p + (float)(0.3 * (rng.NextDouble() * 2 - 1)))).ToArray();
        var v = _config.Vision!;
        var inputIds = torch.tensor(ids, [b, TinyModels.TextLength], ScalarType.Int64);
        if (!v.IsNaflex)
            return new TrainingBatch { PixelValues = torch.tensor(pixels, [b, v.NumChannels, v.ImageSize, v.ImageSize]), InputIds = inputIds };
        var mask = new long[b * MaxPatches];
        var shapes = new long[b * 2];
        for (int i = 0; i < b; i++)
        {
            var (h, w) = _grids[order[i]];
            shapes[2 * i] = h; shapes[2 * i + 1] = w;
            for (int j = 0; j < MaxPatches; j++)
            {
                mask[i * MaxPatches + j] = j < h * w ? 1 : 0;
                if (j >= h * w) Array.Clear(pixels, (i * MaxPatches + j) * v.PatchDim, v.PatchDim);
            }
        }
        return new TrainingBatch
        {
            PixelValues = torch.tensor(pixels, [b, MaxPatches, v.PatchDim]),
            InputIds = inputIds,
            PixelAttentionMask = torch.tensor(mask, [b, MaxPatches], ScalarType.Int64),
            SpatialShapes = torch.tensor(shapes, [b, 2], ScalarType.Int64),
        };
    }
}

internal static class TensorAssertions
{
    /// <summary>Same shape and bitwise the same values.</summary>
    public static bool SameAs(this Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();
}
