using System.Globalization;
using Siglip2.Data;
using Siglip2.Onnx;
using Siglip2.Processing.Images;
using Siglip2.Tasks;
using Siglip2.Tasks.Evaluation;
using static TorchSharp.torch;

namespace Siglip2.Cli.Commands;

/// <summary>
/// `siglip2 eval --model DIR --int8-gate`: how much int8 (ONNX Runtime, dynamic u8×s8 quantisation of the linear
/// layers) changes a trained checkpoint — cosine of its embeddings to the fp32 (TorchSharp) ones on the Fashion-MNIST
/// test images, on real photos (the preprocessing fixtures) and on held-out FashionScenes captions, and the change of
/// English zero-shot top-1. The gate: cosine ≥ 0.99 and at most 0.5 points of zero-shot.
/// </summary>
public static class Int8AccuracyGate
{
    public sealed record Result(string Model, int Images, double ZeroShotFp32, double ZeroShotInt8, double MinImageCosine, double MeanImageCosine,
        double MinPhotoCosine, double MinTextCosine, double MeanTextCosine, int Texts)
    {
        public double ZeroShotChangePoints => 100 * (ZeroShotInt8 - ZeroShotFp32);
        public bool Passed => Math.Min(MinImageCosine, Math.Min(MinPhotoCosine, MinTextCosine)) >= 0.99 && Math.Abs(ZeroShotChangePoints) <= 0.5;
    }

    public static Result Run(string folder, string? dataDirectory, int images, IReadOnlyList<string> photos, Action<string> say)
    {
        using var pipeline = EmbeddingPipeline.Load(folder, new EmbeddingPipelineOptions { BatchSize = 256 });
        pipeline.Model.eval();
        using var onnx = new OnnxEmbedder(pipeline.Model, pipeline.Folder, OnnxPrecision.Int8, OnnxEmbedder.DefaultCacheRoot());
        var data = FashionMnist.Load(dataDirectory);
        int count = Math.Min(images, data.Test.Count);
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        say($"int8 gate: {count} Fashion-MNIST test images, fp32 (TorchSharp) and int8 (ONNX Runtime)");
        var fp32 = ZeroShotClassification.EmbedFashionMnist(pipeline, data.Test, count, null);
        var parts = new List<Tensor>();
        for (int start = 0; start < count; start += 256)
        {
            var rgb = Enumerable.Range(start, Math.Min(256, count - start))
                .Select(i => ZeroShotClassification.GrayToRgb(data.Test.Image(i), FashionMnist.ImageSide, FashionMnist.ImageSide)).ToList();
            parts.Add(onnx.EmbedImages(pipeline.ImageProcessor.Preprocess(rgb)));
        }
        var int8 = cat(parts, 0);
        var imageCos = (fp32 * int8).sum(1);

        var english = CaptionLanguages.English;
        var classFp32 = ZeroShotClassification.ClassEmbeddings(pipeline, english);
        var rows = new List<Tensor>();
        for (int c = 0; c < FashionMnist.ClassCount; c++)
        {
            var e = onnx.EmbedTexts(pipeline.TextProcessor.Process(english.ZeroShotPrompts(c)), 64).mean([0]);
            rows.Add(e / e.norm());
        }
        var classInt8 = stack(rows, 0);
        var labels = tensor(Enumerable.Range(0, count).Select(i => (long)data.Test.Label(i)).ToArray(), dtype: ScalarType.Int64);
        double top1Fp32 = matmul(fp32, classFp32.t()).argmax(1).eq(labels).to_type(ScalarType.Float64).mean().item<double>();
        double top1Int8 = matmul(int8, classInt8.t()).argmax(1).eq(labels).to_type(ScalarType.Float64).mean().item<double>();

        var captions = new FashionScenes(data, new FashionScenesConfig { Seed = 7 }, SceneSplit.HeldOut).Stream(0, 256).Select(s => s.Caption).ToList();
        var tokens = pipeline.TextProcessor.Process(captions);
        var textCos = (pipeline.EmbedTexts(tokens) * onnx.EmbedTexts(tokens, 64)).sum(1);

        double photoMin = double.NaN;
        if (photos.Count > 0)
        {
            var decoded = photos.Select(p => ImageDecoder.DecodeFile(p)).ToList();
            var batch = pipeline.ImageProcessor.Preprocess(decoded);
            photoMin = (pipeline.EmbedImages(batch) * onnx.EmbedImages(batch)).sum(1).min().item<float>();
        }
        return new Result(folder, count, top1Fp32, top1Int8, imageCos.min().item<float>(), imageCos.mean().item<float>(), photoMin,
            textCos.min().item<float>(), textCos.mean().item<float>(), captions.Count);
    }

    public static string Markdown(Result r, string command) =>
        $"""
        int8 (ONNX Runtime, u8 activations × 7-bit s8 per-channel weights) against fp32 (TorchSharp) on `{Path.GetFileName(Path.TrimEndingDirectorySeparator(r.Model))}`, {DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}; reproduce: `{command}`.

        | measure | fp32 | int8 | gate |
        |---|---:|---:|---|
        | English zero-shot top-1, {r.Images:N0} Fashion-MNIST test images | {100 * r.ZeroShotFp32:F2}% | {100 * r.ZeroShotInt8:F2}% | change {r.ZeroShotChangePoints:+0.00;-0.00;0.00} points (≤ 0.5) |
        | image embeddings, cosine int8 to fp32 (those images) | | min {r.MinImageCosine:F5}, mean {r.MeanImageCosine:F5} | ≥ 0.99 |
        | real photos (the preprocessing fixtures), cosine | | min {r.MinPhotoCosine:F5} | ≥ 0.99 |
        | {r.Texts} held-out captions, cosine | | min {r.MinTextCosine:F5}, mean {r.MeanTextCosine:F5} | ≥ 0.99 |

        Gate: **{(r.Passed ? "passed" : "failed")}**.

        """;
}
