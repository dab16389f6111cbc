using System.Diagnostics;
using Siglip2.Data;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// Training batches of FashionScenes: batch <c>s</c> holds scenes <c>s·B … s·B+B−1</c> (so a resumed run sees the same
/// batches), images through the checkpoint's image processor, captions through the SigLIP text pipeline. The next
/// batch is prepared on a background thread while the current step runs; <see cref="WaitSeconds"/> is the time a
/// step had to wait for data.
/// </summary>
public sealed class FashionScenesBatchSource : ITrainingBatchSource, IDisposable
{
    private readonly FashionScenes _scenes;
    private readonly IImageProcessor _images;
    private readonly SiglipTextProcessor _text;
    private readonly int _batchSize;
    private readonly int _workers;
    private readonly StepPrefetcher<PreparedBatch> _prefetcher;

    public double WaitSeconds => _prefetcher.WaitSeconds;
    public double PrepareSeconds { get; private set; }

    public FashionScenesBatchSource(FashionScenes scenes, IImageProcessor images, SiglipTextProcessor text, int batchSize, int workers = 1)
    {
        if (batchSize < 1) throw new Siglip2Exception($"batch size must be ≥ 1, got {batchSize}");
        _scenes = scenes;
        _images = images;
        _text = text;
        _batchSize = batchSize;
        _workers = Math.Max(1, workers);
        _prefetcher = new StepPrefetcher<PreparedBatch>(Prepare);
    }

    public TrainingBatch GetBatch(long step)
    {
        PreparedBatch prepared = _prefetcher.Get(step);
        return TrainingBatch.From(prepared.Images, prepared.Ids, _text.Settings.Length);
    }

    private sealed record PreparedBatch(ImageBatch Images, long[] Ids);

    private PreparedBatch Prepare(long step)
    {
        var clock = Stopwatch.StartNew();
        var images = new RgbImage[_batchSize];
        var captions = new string[_batchSize];
        long first = step * _batchSize;
        Parallel.For(0, _batchSize, new ParallelOptions { MaxDegreeOfParallelism = _workers }, i =>
        {
            var scene = _scenes.Generate(first + i);
            images[i] = new RgbImage(scene.Width, scene.Height, scene.Rgb);
            captions[i] = scene.Caption;
        });
        var batch = _images.Preprocess(images);
        var ids = _text.Process(captions).Ids;
        lock (this) PrepareSeconds += clock.Elapsed.TotalSeconds;
        return new PreparedBatch(batch, ids);
    }

    public void Dispose()
    {
        _prefetcher.Dispose();
    }
}
