using Siglip2.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// Batches of random pixels (N(0, 1)) and random token ids for benchmarks and smoke runs: no image–text
/// relation to learn, but the right shapes and dtypes. Deterministic per step (a generator seeded from seed and
/// step). Fixed-resolution models get (B, C, H, W) images; NaFlex models get full (h, w) = (√n, √n) grids.
/// </summary>
public sealed class RandomBatchSource : ITrainingBatchSource
{
    private readonly Siglip2Config _config;
    private readonly int _batchSize;
    private readonly int _textLength;
    private readonly long _seed;

    public RandomBatchSource(Siglip2Config config, int batchSize, int? textLength = null, long seed = 0)
    {
        if (!config.IsDualTower) throw new Siglip2Exception($"random training batches need a dual-tower config, got {config.ModelType}");
        if (batchSize < 1) throw new Siglip2Exception($"batch size must be ≥ 1, got {batchSize}");
        _config = config;
        _batchSize = batchSize;
        _textLength = textLength ?? config.Text!.MaxPositionEmbeddings;
        if (_textLength < 1 || _textLength > config.Text!.MaxPositionEmbeddings)
            throw new Siglip2Exception($"text length must be between 1 and max_position_embeddings {config.Text!.MaxPositionEmbeddings}, got {_textLength}");
        _seed = seed;
    }

    public TrainingBatch GetBatch(long step)
    {
        using var generator = new torch.Generator(unchecked((ulong)(_seed * 1_000_003 + step)));
        var v = _config.Vision!;
        var ids = torch.randint(0, _config.Text!.VocabSize, [_batchSize, _textLength], ScalarType.Int64, generator: generator);
        if (!v.IsNaflex)
        {
            return new TrainingBatch
            {
                PixelValues = torch.randn([_batchSize, v.NumChannels, v.ImageSize, v.ImageSize], ScalarType.Float32, generator: generator),
                InputIds = ids,
            };
        }
        int side = v.PositionGridSide;
        long patches = (long)side * side;
        return new TrainingBatch
        {
            PixelValues = torch.randn([_batchSize, patches, v.PatchDim], ScalarType.Float32, generator: generator),
            InputIds = ids,
            PixelAttentionMask = torch.ones([_batchSize, patches], ScalarType.Int64),
            SpatialShapes = torch.tensor(Enumerable.Repeat((long)side, 2 * _batchSize).ToArray(), [_batchSize, 2], ScalarType.Int64),
        };
    }
}
