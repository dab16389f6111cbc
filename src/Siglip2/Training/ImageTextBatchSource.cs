using System.Diagnostics;
using Siglip2.Data;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;

namespace Siglip2.Training;

/// <summary>
/// Training batches from the user's image–text data (docs/data.md). Global batch s is global samples s·B … s·B+B−1 of
/// the <see cref="ImageTextSampleOrder"/> (shard order and shuffle buffer seeded per epoch, epochs back to back), a
/// function of (data, seed, buffer, s) only; rank r takes rows r·B/W … (r+1)·B/W − 1 of it and reads and decodes only
/// those, so W ranks together see exactly the single-process run's batches, and a resume at step k replays only
/// metadata up to sample k·B.
/// <para>
/// Bad samples: everything detectable from metadata (missing caption or image, empty or over-long caption, oversize
/// or missing file, corrupt shard) is dropped before the order is fixed. An image whose bytes turn out not to decode
/// is replaced by the deterministic rule: row p of the global batch takes the first position p+1, p+2, … (wrapping
/// within the global batch) whose image decodes, with that position's caption. Decoding is deterministic, so every
/// rank and world size picks the same replacement; each such image is counted once as
/// <see cref="DataSkipReason.CorruptImage"/>.
/// </para>
/// Captions longer than the text length are truncated by the model's text processor (as training does) and counted
/// in <see cref="TruncatedCaptions"/>. The next step is prepared on a background thread while the current one trains
/// (<see cref="StepPrefetcher{T}"/>), its images decoded and preprocessed on <see cref="ImageTextBatchOptions.Workers"/> threads.
/// </summary>
public sealed class ImageTextBatchSource : ITrainingBatchSource, IDisposable
{
    private readonly ImageTextSampleOrder _order;
    private readonly IImageProcessor _images;
    private readonly SiglipTextProcessor _text;
    private readonly ImageTextBatchOptions _options;
    private readonly StepPrefetcher<PreparedBatch> _prefetcher;
    private long _truncated;
    private long _replaced;
    private readonly object _timing = new();

    public ImageTextBatchSource(ImageTextDataSpec data, IImageProcessor images, SiglipTextProcessor text, ImageTextBatchOptions options)
        : this(data.Shards, images, text, options)
    {
    }

    public ImageTextBatchSource(IReadOnlyList<IImageTextShard> shards, IImageProcessor images, SiglipTextProcessor text, ImageTextBatchOptions options)
    {
        options.Validate();
        _order = new ImageTextSampleOrder(shards, options.Seed, options.ShuffleBufferSize);
        _images = images;
        _text = text;
        _options = options;
        _prefetcher = new StepPrefetcher<PreparedBatch>(Prepare);
    }

    /// <summary>Samples left out (metadata-level) and images replaced (<see cref="DataSkipReason.CorruptImage"/>), for the log.</summary>
    public DataSkipCounts Skips => _order.Skips;

    /// <summary>Rows of this rank whose caption had more tokens than the text length (truncated, still trained on).</summary>
    public long TruncatedCaptions => Interlocked.Read(ref _truncated);

    /// <summary>Rows of this rank that took the next decodable sample of the global batch because their own image did not decode.</summary>
    public long ReplacedRows => Interlocked.Read(ref _replaced);

    public double WaitSeconds => _prefetcher.WaitSeconds;
    public double PrepareSeconds { get; private set; }

    public int LocalBatchSize => _options.LocalBatchSize;

    /// <summary>Valid samples per epoch once the first epoch's metadata has been read.</summary>
    public long? SamplesPerEpoch
    {
        get { lock (_order) return _order.SamplesPerEpoch; }
    }

    /// <summary>The epoch the first sample of step <paramref name="step"/> belongs to.</summary>
    public long EpochOf(long step)
    {
        lock (_order) return _order.EpochOf(step * _options.GlobalBatchSize);
    }

    /// <summary>The B records of global batch <paramref name="step"/>, before any replacement (the same on every rank).</summary>
    public IReadOnlyList<ImageTextRecord> GlobalRecords(long step)
    {
        lock (_order) return _order.Take(step * _options.GlobalBatchSize, _options.GlobalBatchSize);
    }

    public TrainingBatch GetBatch(long step) => GetBatchAndRows(step).Batch;

    /// <summary>This rank's batch of step <paramref name="step"/> and the record each row came from (after the replacement rule).</summary>
    public (TrainingBatch Batch, IReadOnlyList<ImageTextRecord> Rows) GetBatchAndRows(long step)
    {
        PreparedBatch prepared = _prefetcher.Get(step);
        Deliver(prepared);
        return (TrainingBatch.From(prepared.Images, prepared.Ids, _text.Settings.Length), prepared.Rows);
    }

    /// <summary>
    /// One step's rows of this rank: the preprocessed images, the caption ids, the record of each row, and the decoded
    /// (unprocessed) images of the first <see cref="PreparedBatch.Decoded"/>.Length rows (the recipe's augmented views).
    /// </summary>
    internal sealed record PreparedBatch(ImageBatch Images, long[] Ids, ImageTextRecord[] Rows, int Truncated, int Replaced, RgbImage[] Decoded);

    /// <summary>Counts a prepared step's truncated captions and replaced rows: when delivered, so a prefetched batch that is never asked for counts nothing.</summary>
    internal void Deliver(PreparedBatch prepared)
    {
        Interlocked.Add(ref _truncated, prepared.Truncated);
        Interlocked.Add(ref _replaced, prepared.Replaced);
    }

    private PreparedBatch Prepare(long step) => Prepare(step, 0);

    /// <summary>
    /// Prepares step <paramref name="step"/> on the calling thread (not counted until <see cref="Deliver"/>), keeping the
    /// decoded images of its first <paramref name="keepDecoded"/> rows.
    /// </summary>
    internal PreparedBatch Prepare(long step, int keepDecoded)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "steps count from 0");
        var clock = Stopwatch.StartNew();
        int global = _options.GlobalBatchSize, local = _options.LocalBatchSize, first = _options.Rank * local;
        keepDecoded = Math.Clamp(keepDecoded, 0, local);
        var records = GlobalRecords(step);
        // each position decoded at most once per step, on whichever worker needs it first (a replacement may be another row's sample)
        // decoded images are held only when some are kept: fine-tuning's large photos are dropped once preprocessed
        bool keepImages = keepDecoded > 0;
        var decoded = new Lazy<(RgbImage? Image, ImageBatch Row)?>[global];
        for (int q = 0; q < global; q++)
        {
            var record = records[q];
            decoded[q] = new Lazy<(RgbImage?, ImageBatch)?>(() => TryPreprocess(record, keepImages), LazyThreadSafetyMode.ExecutionAndPublication);
        }
        var rows = new ImageBatch[local];
        var kept = new RgbImage[keepDecoded];
        var chosen = new int[local];
        var failed = new bool[local];
        int replaced = 0;
        Parallel.For(0, local, new ParallelOptions { MaxDegreeOfParallelism = _options.Workers }, i =>
        {
            int p = first + i;
            for (int t = 0; t < global; t++)
            {
                int q = (p + t) % global;
                if (decoded[q].Value is not { } row) continue;
                rows[i] = row.Row;
                if (i < keepDecoded) kept[i] = row.Image!;
                chosen[i] = q;
                if (t > 0) Interlocked.Increment(ref replaced);
                return;
            }
            failed[i] = true;
        });
        if (failed.Any(f => f))
            throw new Siglip2Exception(
                $"step {step}: none of the {global} images of the global batch decodes ({Skips.Summary()}); the data is broken beyond skipping — check the shards");

        var texts = _text.Process(chosen.Select(q => records[q].Text).ToArray());
        var batch = Concatenate(rows);
        lock (_timing) PrepareSeconds += clock.Elapsed.TotalSeconds;
        return new PreparedBatch(batch, texts.Ids, chosen.Select(q => records[q]).ToArray(), texts.Items.Count(t => t.Truncated), replaced, kept);
    }

    /// <summary>The sample's image read, decoded (kept when <paramref name="keepImage"/>) and preprocessed as a batch of one, or null (counted) when it cannot be.</summary>
    private (RgbImage?, ImageBatch)? TryPreprocess(ImageTextRecord record, bool keepImage)
    {
        try
        {
            byte[] bytes = record.Image.ReadBytes(_options.Limits.MaxImageBytes);
            var image = ImageDecoder.Decode(bytes, record.Source, _options.DecodeOptions);
            return (keepImage ? image : null, _images.Preprocess([image]));
        }
        catch (Exception e) when (e is Siglip2Exception or ArgumentException)
        {
            Skips.Record(DataSkipReason.CorruptImage, record.Source, e.Message.Split('\n')[0]);
            return null;
        }
    }

    /// <summary>Batches of one image stacked along the batch dimension (every row of a processor has the same shape: fixed size, or NaFlex padded to max_num_patches).</summary>
    private static ImageBatch Concatenate(IReadOnlyList<ImageBatch> rows)
    {
        long[] rowShape = rows[0].PixelValuesShape;
        int rowLength = rows[0].PixelValues.Length;
        var pixels = new float[(long)rowLength * rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].PixelValues.Length != rowLength)
                throw new Siglip2Exception($"the image processor gave rows of different sizes ({rowLength} and {rows[i].PixelValues.Length} values); a training batch needs one shape");
            rows[i].PixelValues.CopyTo(pixels, (long)i * rowLength);
        }
        long[] shape = [rows.Count, .. rowShape[1..]];
        if (!rows[0].IsNaFlex) return new ImageBatch(pixels, shape);
        int maskLength = rows[0].PixelAttentionMask!.Length;
        var mask = new int[maskLength * rows.Count];
        var spatial = new long[2 * rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            rows[i].PixelAttentionMask!.CopyTo(mask, i * maskLength);
            rows[i].SpatialShapes!.CopyTo(spatial, 2 * i);
        }
        return new ImageBatch(pixels, shape, mask, spatial);
    }

    public void Dispose()
    {
        _prefetcher.Dispose();
        lock (_order) _order.Dispose();
    }
}
