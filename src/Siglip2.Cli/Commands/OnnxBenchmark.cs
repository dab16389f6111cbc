using System.Diagnostics;
using System.IO.Compression;
using Siglip2.Onnx;
using Siglip2.Processing.Images;
using Siglip2.Tasks;
using static TorchSharp.torch;

namespace Siglip2.Cli.Commands;

/// <summary>
/// `siglip2 bench --onnx`: on the random-weight B/16@224 layout, in one run and on the same weights, TorchSharp fp32
/// against ONNX Runtime fp32 and int8 (image and text towers, batch 1 and 8, median of a few timed runs after a
/// warm-up), and the int8 accuracy: cosine of int8 to fp32 embeddings of the real photos of tests/fixtures/preprocess
/// and a set of captions (tokenised by the Gemma 256k tokenizer).
/// </summary>
public static class OnnxBenchmark
{
    public sealed record Timing(string Tower, int Batch, double TorchSeconds, double OrtFp32Seconds, double OrtInt8Seconds);

    public sealed record Result(IReadOnlyList<Timing> Timings, double ImageCosineMin, double ImageCosineMean, double TextCosineMin,
        double TextCosineMean, double OrtFp32VsTorchMaxAbs, int Photos, int Texts, string Cpu, string CpuFlags, double? LoadAverage);

    private static readonly string[] Captions =
    [
        "a photo of a woman in a military uniform", "a black and white portrait", "a blue gift box with a ribbon",
        "a red sports car on a mountain road", "two dogs playing in the snow", "ein Foto von einem Hund am Strand",
        "un chat qui dort sur un canapé", "一只在草地上奔跑的狗",
    ];

    public static Result Run(string tempRoot, Action<string> say)
    {
        string root = Path.Combine(tempRoot, $"siglip2-onnx-bench-{Environment.ProcessId}");
        string model = Path.Combine(root, "model");
        try
        {
            say("onnx bench: writing a random B/16@224 checkpoint with the Gemma 256k tokenizer");
            RandomBase16Checkpoint.Write(model);
            string tokenizer = Path.Combine(Infrastructure.RepositoryPaths.Root, "tests", "fixtures", "tokenizer", "gemma256k");
            using (var gz = new GZipStream(File.OpenRead(Path.Combine(tokenizer, "tokenizer.json.gz")), CompressionMode.Decompress))
            using (var json = File.Create(Path.Combine(model, "tokenizer.json")))
                gz.CopyTo(json);
            File.Copy(Path.Combine(tokenizer, "tokenizer_config.json"), Path.Combine(model, "tokenizer_config.json"));

            using var pipeline = EmbeddingPipeline.Load(model, new EmbeddingPipelineOptions { BatchSize = 8 });
            string photosFolder = Path.GetDirectoryName(RandomBase16Checkpoint.Photo)!;
            var photos = Directory.GetFiles(photosFolder).Where(p => !p.EndsWith("_rgb.png", StringComparison.Ordinal)
                && (p.EndsWith(".jpg", StringComparison.Ordinal) || p.EndsWith(".jpeg", StringComparison.Ordinal) || p.EndsWith(".png", StringComparison.Ordinal)))
                .Order(StringComparer.Ordinal).ToList();
            var decoded = photos.Select(p => ImageDecoder.Decode(File.ReadAllBytes(p), p)).ToList();
            var eight = pipeline.ImageProcessor.Preprocess(Enumerable.Range(0, 8).Select(i => decoded[i % decoded.Count]).ToList());
            var one = pipeline.ImageProcessor.Preprocess([decoded[0]]);
            var texts8 = pipeline.TextProcessor.Process(Captions);
            var texts1 = pipeline.TextProcessor.Process([Captions[0]]);

            using var fp32 = new OnnxEmbedder(pipeline.Model, model, OnnxPrecision.Float32, Path.Combine(root, "cache"));
            using var int8 = new OnnxEmbedder(pipeline.Model, model, OnnxPrecision.Int8, Path.Combine(root, "cache"));
            say("onnx bench: exporting the fp32 and int8 graphs (first use)");
            fp32.EmbedImages(one).Dispose();
            fp32.EmbedTexts(texts1, 8).Dispose();
            int8.EmbedImages(one).Dispose();
            int8.EmbedTexts(texts1, 8).Dispose();

            say("onnx bench: int8 vs fp32 embeddings of the photos and captions");
            var all = pipeline.ImageProcessor.Preprocess(decoded);
            var (imageMin, imageMean, imageTorch) = Compare(fp32.EmbedImages(all), int8.EmbedImages(all), pipeline.EmbedImages(all));
            var (textMin, textMean, textTorch) = Compare(fp32.EmbedTexts(texts8, 8), int8.EmbedTexts(texts8, 8), pipeline.EmbedTexts(texts8));

            var timings = new List<Timing>();
            foreach (var (batch, images, texts) in new[] { (1, one, texts1), (8, eight, texts8) })
            {
                int reps = batch == 1 ? 5 : 3;
                say($"onnx bench: image tower, batch {batch}");
                timings.Add(new Timing("image", batch, Median(reps, () => pipeline.EmbedImages(images).Dispose()),
                    Median(reps, () => fp32.EmbedImages(images).Dispose()), Median(reps, () => int8.EmbedImages(images).Dispose())));
                say($"onnx bench: text tower, batch {batch}");
                timings.Add(new Timing("text", batch, Median(reps, () => pipeline.EmbedTexts(texts).Dispose()),
                    Median(reps, () => fp32.EmbedTexts(texts, 8).Dispose()), Median(reps, () => int8.EmbedTexts(texts, 8).Dispose())));
            }
            var machine = Siglip2.Tasks.Benchmarking.MachineInfo.Current();
            return new Result(timings, imageMin, imageMean, textMin, textMean, Math.Max(imageTorch, textTorch), photos.Count, Captions.Length,
                machine.CpuModel, machine.CpuFlags, Siglip2.Tasks.Benchmarking.MachineInfo.LoadAverage());
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>(min and mean cosine of int8 to fp32 rows, max |ORT fp32 − torch fp32|); disposes the inputs.</summary>
    private static (double Min, double Mean, double TorchMaxAbs) Compare(Tensor fp32, Tensor int8, Tensor torchFp32)
    {
        using (fp32) using (int8) using (torchFp32)
        {
            using var cosine = (fp32 * int8).sum(1); // both rows are L2-normalised
            using var diff = (fp32 - torchFp32).abs().max();
            return (cosine.min().item<float>(), cosine.mean().item<float>(), diff.item<float>());
        }
    }

    private static double Median(int reps, Action run)
    {
        run(); // warm-up
        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            times[i] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[reps / 2];
    }

    public static string Markdown(Result r)
    {
        var rows = string.Join("\n", r.Timings.Select(t =>
            $"| {t.Tower} | {t.Batch} | {t.TorchSeconds * 1000:F0} | {t.OrtFp32Seconds * 1000:F0} ({t.TorchSeconds / t.OrtFp32Seconds:F2}×) | {t.OrtInt8Seconds * 1000:F0} ({t.TorchSeconds / t.OrtInt8Seconds:F2}×) |"));
        return $"""
            ## ONNX Runtime fp32 and int8 (`siglip2 bench --onnx`)

            B/16@224 with random weights, {r.Cpu} ({r.CpuFlags}), {Environment.ProcessorCount} threads, load average {r.LoadAverage:F1} at the end, {DateTime.UtcNow:yyyy-MM-dd}, one run, same weights: TorchSharp fp32 (the torch backend) against the exported graphs in ONNX Runtime {OrtVersion()} (`--backend onnx`, `--dtype fp32|int8`). Milliseconds per batch (median of 3–5 runs after a warm-up); in brackets the speed-up over TorchSharp.

            | tower | batch | TorchSharp fp32 ms | ORT fp32 ms | ORT int8 ms |
            |---|---:|---:|---:|---:|
            {rows}

            int8 accuracy on the same weights: cosine of int8 to fp32 embeddings, {r.Photos} real photos (tests/fixtures/preprocess) min {r.ImageCosineMin:F5} (mean {r.ImageCosineMean:F5}); {r.Texts} captions min {r.TextCosineMin:F5} (mean {r.TextCosineMean:F5}). ORT fp32 vs TorchSharp fp32 embeddings: max |Δ| {r.OrtFp32VsTorchMaxAbs:E1}. Random weights, not a trained model: see docs/onnx.md for what this does and does not show.

            """;
    }

    private static string OrtVersion() =>
        typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString(3) ?? "?";
}
