using Siglip2.Data;
using Siglip2.Processing.Images;

namespace Siglip2.Training;

/// <summary>How <see cref="ImageTextBatchSource"/> orders, shards and decodes an image–text dataset (docs/data.md).</summary>
public sealed record ImageTextBatchOptions
{
    /// <summary>The global batch B: samples per step over all ranks (SigLIP's 32k is global). A multiple of <see cref="WorldSize"/>.</summary>
    public required int GlobalBatchSize { get; init; }

    /// <summary>Seeds the per-epoch shard order and the shuffle buffer; the same seed gives the same global batches.</summary>
    public long Seed { get; init; }

    /// <summary>Records held by the streaming shuffle (WebDataset's <c>shuffle(n)</c>); 1 keeps the file order.</summary>
    public int ShuffleBufferSize { get; init; } = 1000;

    /// <summary>This process's rank r in [0, <see cref="WorldSize"/>): it gets rows r·B/W … (r+1)·B/W − 1 of each global batch.</summary>
    public int Rank { get; init; }

    /// <summary>The number of data-parallel processes W.</summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>Threads that read, decode and preprocess images (on top of the one preparing the next step).</summary>
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);

    public ImageDecodeOptions DecodeOptions { get; init; } = ImageDecodeOptions.Default;

    public ImageTextDataLimits Limits { get; init; } = ImageTextDataLimits.Default;

    public int LocalBatchSize => GlobalBatchSize / WorldSize;

    /// <summary>This process's share of a data-parallel stream: its rank and size from <paramref name="group"/>, and
    /// (unless given) the machine's cores divided among the ranks as decoding workers.</summary>
    public static ImageTextBatchOptions ForProcess(Distributed.IProcessGroup group, int globalBatchSize, long seed, int shuffleBufferSize, int? workers) => new()
    {
        GlobalBatchSize = globalBatchSize,
        Seed = seed,
        ShuffleBufferSize = shuffleBufferSize,
        Rank = group.Rank,
        WorldSize = group.Size,
        Workers = workers ?? Math.Max(1, Environment.ProcessorCount / group.Size),
    };

    public void Validate()
    {
        if (GlobalBatchSize < 1) throw new Siglip2Exception($"batch size must be ≥ 1, got {GlobalBatchSize}");
        if (WorldSize < 1) throw new Siglip2Exception($"world size must be ≥ 1, got {WorldSize}");
        if (Rank < 0 || Rank >= WorldSize) throw new Siglip2Exception($"rank {Rank} is outside [0, {WorldSize}) for world size {WorldSize}");
        if (GlobalBatchSize % WorldSize != 0)
            throw new Siglip2Exception($"the global batch size {GlobalBatchSize} is not a multiple of the {WorldSize} processes; use a batch size divisible by {WorldSize}");
        if (ShuffleBufferSize < 1) throw new Siglip2Exception($"shuffle buffer size must be ≥ 1, got {ShuffleBufferSize}");
        if (Workers < 1) throw new Siglip2Exception($"data workers must be ≥ 1, got {Workers}");
        Limits.Validate();
    }
}
