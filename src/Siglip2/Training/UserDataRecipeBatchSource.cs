using System.Diagnostics;
using Siglip2.Data;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;

namespace Siglip2.Training;

/// <summary>
/// Batches of the SigLIP 2 recipe from the user's image–text data (<see cref="ImageTextDataSpec"/>): the pairs are
/// <see cref="ImageTextBatchSource"/>'s (the same global order, per-rank rows, skip counting and replacement rule as
/// fine-tuning), plus, when LocCa is on, one captioning row per image from its caption (<see cref="CaptionTargetBuilder"/>:
/// the data has no boxes, so no referring or grounded rows), and from the self-distillation step on one global and
/// <see cref="TrainingObjectives.LocalViews"/> local random crops (<see cref="ViewAugmentation"/>) of this rank's first
/// <see cref="TrainingObjectives.SslBatch"/> images, as <see cref="RecipeBatchSource"/> makes them of FashionScenes.
/// Every random choice is seeded by (seed, global sample index) or (seed, step): a resumed run, and every world size,
/// sees the same rows. The next step is prepared on a background thread.
/// </summary>
public sealed class UserDataRecipeBatchSource : IPrefetchingRecipeBatchSource, IDisposable
{
    private readonly ImageTextBatchSource _pairs;
    private readonly IImageProcessor _images;
    private readonly SiglipTextProcessor _text;
    private readonly ImageTextBatchOptions _options;
    private readonly TrainingObjectives _objectives;
    private readonly CaptionTargetBuilder? _captions;
    private readonly long _sslStep;
    private readonly long _seed;
    private readonly StepPrefetcher<Prepared> _prefetcher;
    private readonly object _timing = new();

    public UserDataRecipeBatchSource(ImageTextDataSpec data, IImageProcessor images, SiglipTextProcessor text, ImageTextBatchOptions options,
        TrainingObjectives objectives, long totalSteps)
    {
        _pairs = new ImageTextBatchSource(data, images, text, options);
        _images = images; _text = text; _options = options; _objectives = objectives; _seed = options.Seed;
        _sslStep = objectives.SelfDistillation ? objectives.SelfDistillationStep(totalSteps) : long.MaxValue;
        _captions = objectives.Locca ? new CaptionTargetBuilder(text, objectives.LoccaLength, options.Seed, objectives.ParallelShare) : null;
        _prefetcher = new StepPrefetcher<Prepared>(Prepare);
    }

    /// <summary>The LocCa captioning rows (null without LocCa).</summary>
    public CaptionTargetBuilder? Captions => _captions;

    /// <summary>Samples left out and images replaced (<see cref="ImageTextBatchSource.Skips"/>), for the log.</summary>
    public DataSkipCounts Skips => _pairs.Skips;

    /// <summary>Rows of this rank whose caption was truncated to the text length.</summary>
    public long TruncatedCaptions => _pairs.TruncatedCaptions;

    /// <summary>Rows of this rank that took another sample of the global batch because their image did not decode.</summary>
    public long ReplacedRows => _pairs.ReplacedRows;

    public double WaitSeconds => _prefetcher.WaitSeconds;
    public double PrepareSeconds { get; private set; }

    private sealed record Prepared(ImageTextBatchSource.PreparedBatch Pairs, LoccaExamples? Locca, ImageBatch? Global, ImageBatch? Local, int SslCount);

    public RecipeBatch GetBatch(long step)
    {
        var p = _prefetcher.Get(step);
        _pairs.Deliver(p.Pairs);
        return RecipeBatch.Create(TrainingBatch.From(p.Pairs.Images, p.Pairs.Ids, _text.Settings.Length), p.Locca, p.Global, p.Local, p.SslCount,
            _objectives.LocalViews, unchecked(_seed * 7_777_777 + step));
    }

    private Prepared Prepare(long step)
    {
        var clock = Stopwatch.StartNew();
        try { return PrepareBatch(step); }
        finally { lock (_timing) PrepareSeconds += clock.Elapsed.TotalSeconds; }
    }

    private Prepared PrepareBatch(long step)
    {
        int local = _options.LocalBatchSize;
        int n = step >= _sslStep ? Math.Min(_objectives.SslBatch, local) : 0;
        var pairs = _pairs.Prepare(step, n);
        // global index of this rank's row 0: the rows' seeds do not depend on the world size
        long first = step * _options.GlobalBatchSize + (long)_options.Rank * local;
        var locca = _captions?.Build(pairs.Rows.Select(r => r.Text).ToArray(), first).Trimmed();
        ImageBatch? global = null, views = null;
        if (n > 0)
        {
            var globals = new RgbImage[n];
            var locals = new RgbImage[n * _objectives.LocalViews];
            for (int i = 0; i < n; i++)
            {
                var rng = new Random(unchecked((int)(_seed * 1_000_003 + (first + i) * 31 + 17)));
                var image = pairs.Decoded[i];
                globals[i] = ViewAugmentation.RandomCrop(image, _objectives.GlobalCropMin, 1.0, rng);
                for (int v = 0; v < _objectives.LocalViews; v++)
                    locals[i * _objectives.LocalViews + v] = ViewAugmentation.RandomCrop(image, _objectives.LocalCropMin, _objectives.LocalCropMax, rng);
            }
            global = _images.Preprocess(globals);
            views = _images.Preprocess(locals);
        }
        return new Prepared(pairs, locca, global, views, n);
    }

    public void Dispose()
    {
        _prefetcher.Dispose();
        _pairs.Dispose();
    }
}
