using System.Diagnostics;
using Siglip2.Data;
using Siglip2.Modeling;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// Batches for the recipe (<see cref="Trainer"/>): batch <c>s</c> holds scenes s·B … s·B+B−1 (as
/// <see cref="FashionScenesBatchSource"/>), their captions, the LocCa decoder rows when LocCa is on, and from the
/// self-distillation step on, one global and <see cref="TrainingObjectives.LocalViews"/> local crops of the first
/// <see cref="TrainingObjectives.SslBatch"/> scenes. Every random choice is seeded by (seed, step, image): a resumed
/// run sees the same batches. The next batch is prepared on a background thread. The image processor may change with
/// the step (NaFlex with a sampled sequence length: <see cref="PatchBudgetImageProcessors"/>).
/// </summary>
public sealed class RecipeBatchSource : IPrefetchingRecipeBatchSource, IDisposable
{
    private readonly FashionScenes _scenes;
    private readonly Func<long, IImageProcessor> _imagesAt;
    private readonly SiglipTextProcessor _text;
    private readonly LoccaTargetBuilder? _locca;
    private readonly TrainingObjectives _objectives;
    private readonly int _batchSize;
    private readonly long _sslStep;
    private readonly long _seed;
    private readonly StepPrefetcher<Prepared> _prefetcher;
    private readonly BalancedSceneWindows? _balanced;

    public double WaitSeconds => _prefetcher.WaitSeconds;
    /// <summary>Seconds spent preparing batches (on the background thread), summed.</summary>
    public double PrepareSeconds { get; private set; }

    public RecipeBatchSource(FashionScenes scenes, IImageProcessor images, SiglipTextProcessor text, int batchSize,
        TrainingObjectives objectives, long totalSteps, long seed)
        : this(scenes, _ => images, text, batchSize, objectives, totalSteps, seed)
    {
    }

    /// <param name="imagesAt">the image processor of each step (e.g. <see cref="PatchBudgetImageProcessors.At"/>).</param>
    /// <param name="balanced">when given, batch s is the first B scenes its balancing filter keeps of window s (the fairness experiment).</param>
    public RecipeBatchSource(FashionScenes scenes, Func<long, IImageProcessor> imagesAt, SiglipTextProcessor text, int batchSize,
        TrainingObjectives objectives, long totalSteps, long seed, BalancedSceneWindows? balanced = null)
    {
        _balanced = balanced;
        if (batchSize < 1) throw new Siglip2Exception($"batch size must be ≥ 1, got {batchSize}");
        _scenes = scenes; _imagesAt = imagesAt; _text = text; _batchSize = batchSize; _objectives = objectives; _seed = seed;
        _sslStep = objectives.SelfDistillation ? objectives.SelfDistillationStep(totalSteps) : long.MaxValue;
        _prefetcher = new StepPrefetcher<Prepared>(Prepare);
        _locca = objectives.Locca
            ? new LoccaTargetBuilder(text, scenes.Config.CreateLocationTokens(), objectives.LoccaLength, seed, objectives.ParallelShare)
            : null;
    }

    public LoccaTargetBuilder? Locca => _locca;

    private sealed record Prepared(ImageBatch Images, long[] Ids, LoccaExamples? Locca, ImageBatch? Global, ImageBatch? Local, int SslCount);

    public RecipeBatch GetBatch(long step)
    {
        var p = _prefetcher.Get(step);
        return RecipeBatch.Create(TrainingBatch.From(p.Images, p.Ids, _text.Settings.Length), p.Locca, p.Global, p.Local, p.SslCount,
            _objectives.LocalViews, unchecked(_seed * 7_777_777 + step));
    }

    private Prepared Prepare(long step)
    {
        var clock = Stopwatch.StartNew();
        try { return PrepareBatch(step); }
        finally { lock (_prefetcher) PrepareSeconds += clock.Elapsed.TotalSeconds; }
    }

    private Prepared PrepareBatch(long step)
    {
        var scenes = new Scene[_batchSize];
        var images = new RgbImage[_batchSize];
        var captions = new string[_batchSize];
        long first = step * _batchSize;
        var chosen = _balanced?.Batch(step, _batchSize);
        Parallel.For(0, _batchSize, i =>
        {
            scenes[i] = chosen is null ? _scenes.Generate(first + i) : chosen[i];
            images[i] = new RgbImage(scenes[i].Width, scenes[i].Height, scenes[i].Rgb);
            captions[i] = scenes[i].Caption;
        });
        var processor = _imagesAt(step);
        var batch = processor.Preprocess(images);
        var ids = _text.Process(captions).Ids;
        var locca = _locca?.Build(scenes).Trimmed();
        ImageBatch? global = null, local = null;
        int n = 0;
        if (step >= _sslStep)
        {
            n = Math.Min(_objectives.SslBatch, _batchSize);
            var globals = new RgbImage[n];
            var locals = new RgbImage[n * _objectives.LocalViews];
            for (int i = 0; i < n; i++)
            {
                var rng = new Random(unchecked((int)(_seed * 1_000_003 + (first + i) * 31 + 17)));
                globals[i] = ViewAugmentation.RandomCrop(images[i], _objectives.GlobalCropMin, 1.0, rng);
                for (int v = 0; v < _objectives.LocalViews; v++)
                    locals[i * _objectives.LocalViews + v] = ViewAugmentation.RandomCrop(images[i], _objectives.LocalCropMin, _objectives.LocalCropMax, rng);
            }
            global = processor.Preprocess(globals);
            local = processor.Preprocess(locals);
        }
        return new Prepared(batch, ids, locca, global, local, n);
    }

    public void Dispose()
    {
        _prefetcher.Dispose();
    }
}
