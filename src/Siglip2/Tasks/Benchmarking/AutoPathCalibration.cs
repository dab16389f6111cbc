using System.Diagnostics;
using Siglip2.Onnx;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Benchmarking;

/// <summary>
/// The short calibration of `--dtype auto`: on the built-in <see cref="CalibrationInputs"/>, each of the four paths
/// embeds the 8 calibration inputs once (its cosine to torch fp32's embeddings is the accuracy gate; the run is also
/// the warm-up), then is timed on a batch of the command's batch class (1 or 8) until 3 runs or 1.5 s, keeping the
/// fastest run. Loads the checkpoint in fp32 and bf16 and exports (or reuses) the cached ONNX graphs; all is freed at
/// the end. Model time only: preprocessing is the same for every path.
/// </summary>
public static class AutoPathCalibration
{
    /// <summary>The batch class of a command's batches: 1 when it embeds one input at a time, else 8.</summary>
    public static int BatchClass(int batchSize) => batchSize <= 1 ? 1 : 8;

    /// <summary>Measures every path on each tower of <paramref name="towers"/> ("image", "text").</summary>
    public static IReadOnlyList<PathMeasurement> Measure(string folder, IReadOnlyList<string> towers, int batchClass,
        EmbeddingPipelineOptions? options = null, string? onnxCache = null, IProgress<string>? progress = null)
    {
        options = (options ?? new EmbeddingPipelineOptions()) with { DType = ScalarType.Float32, BatchSize = CalibrationInputs.Count };
        onnxCache ??= OnnxEmbedder.DefaultCacheRoot();
        var rows = new List<PathMeasurement>();
        using var fp32 = EmbeddingPipeline.Load(folder, options);
        ImageBatch? gateImages = null, timeImages = null;
        TokenizedTextBatch? gateTexts = null, timeTexts = null;
        if (towers.Contains("image"))
        {
            gateImages = fp32.ImageProcessor.Preprocess(CalibrationInputs.Images());
            timeImages = batchClass == CalibrationInputs.Count ? gateImages : fp32.ImageProcessor.Preprocess(CalibrationInputs.Images(batchClass));
        }
        if (towers.Contains("text"))
        {
            gateTexts = fp32.TextProcessor.Process(CalibrationInputs.Texts);
            timeTexts = batchClass == CalibrationInputs.Count ? gateTexts : fp32.TextProcessor.Process(CalibrationInputs.Texts.Take(batchClass).ToList());
        }
        var reference = new Dictionary<string, float[][]>();
        void Calibrate(InferencePath path, Func<ImageBatch, Tensor> image, Func<TokenizedTextBatch, Tensor> text)
        {
            foreach (var tower in towers)
            {
                progress?.Report($"calibrating {path} on the {tower} tower");
                try
                {
                    bool isImage = tower == "image";
                    Func<Tensor> gateRun = isImage ? () => image(gateImages!) : () => text(gateTexts!);
                    Func<Tensor> timeRun = isImage ? () => image(timeImages!) : () => text(timeTexts!);
                    float[][] gate;
                    using (var scope = NewDisposeScope()) gate = Rows(gateRun());
                    if (path == InferencePath.TorchFloat32) reference[tower] = gate;
                    double cosine = MinCosine(gate, reference[tower]);
                    if (batchClass != CalibrationInputs.Count) Run(timeRun); // warm-up at the timed size
                    double best = double.PositiveInfinity, total = 0;
                    for (int rep = 0; rep < 3 && (rep == 0 || total < 1.5); rep++)
                    {
                        double s = Run(timeRun);
                        best = Math.Min(best, s);
                        total += s;
                    }
                    rows.Add(new PathMeasurement(path, tower, best, cosine));
                }
                catch (Exception e) when (path != InferencePath.TorchFloat32 && e is not OutOfMemoryException)
                {
                    // a path that cannot run here (e.g. an ONNX Runtime or bf16 kernel missing on this CPU) is simply
                    // not a candidate; torch fp32, the baseline, must work
                    progress?.Report($"{path} failed on the {tower} tower ({e.Message}); not a candidate");
                }
            }
        }

        Calibrate(InferencePath.TorchFloat32, fp32.EmbedImages, fp32.EmbedTexts);
        using (var bf16 = EmbeddingPipeline.Load(folder, options with { DType = ScalarType.BFloat16 }))
            Calibrate(InferencePath.TorchBFloat16, bf16.EmbedImages, bf16.EmbedTexts);
        foreach (var precision in new[] { OnnxPrecision.Float32, OnnxPrecision.Int8 })
        {
            using var onnx = new OnnxEmbedder(fp32.Model, fp32.Folder, precision, onnxCache);
            Calibrate(precision == OnnxPrecision.Int8 ? InferencePath.OnnxInt8 : InferencePath.OnnxFloat32,
                onnx.EmbedImages, t => onnx.EmbedTexts(t, t.BatchSize));
        }
        return rows;
    }

    private static double Run(Func<Tensor> run)
    {
        using var scope = NewDisposeScope();
        var clock = Stopwatch.StartNew();
        run();
        return clock.Elapsed.TotalSeconds;
    }

    private static float[][] Rows(Tensor embeds)
    {
        var flat = embeds.contiguous().data<float>().ToArray();
        int d = (int)embeds.shape[1];
        return Enumerable.Range(0, (int)embeds.shape[0]).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
    }

    /// <summary>The smallest cosine of corresponding rows.</summary>
    public static double MinCosine(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b)
    {
        double worst = 1;
        for (int r = 0; r < a.Count; r++)
        {
            double dot = 0, na = 0, nb = 0;
            for (int i = 0; i < a[r].Length; i++) { dot += (double)a[r][i] * b[r][i]; na += (double)a[r][i] * a[r][i]; nb += (double)b[r][i] * b[r][i]; }
            worst = Math.Min(worst, dot / Math.Sqrt(na * nb));
        }
        return worst;
    }
}
