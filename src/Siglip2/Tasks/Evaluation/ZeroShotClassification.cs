using Siglip2.Data;
using Siglip2.Processing.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Evaluation;

/// <summary>Top-1 zero-shot accuracy of one caption language.</summary>
public sealed record ZeroShotResult(string Language, string LanguageName, double Top1, int Images);

/// <summary>
/// Zero-shot classification of the Fashion-MNIST test images: each class is represented by the mean of its
/// L2-normalised prompt embeddings (all zero-shot templates of the language, re-normalised), each image takes the
/// class with the highest logit (the sigmoid is monotonic, so the highest probability too).
/// </summary>
public static class ZeroShotClassification
{
    public static IReadOnlyList<ZeroShotResult> Run(EmbeddingPipeline pipeline, FashionMnistImages test,
        IReadOnlyList<string> languageCodes, int? limit = null, IProgress<int>? progress = null)
    {
        int count = Math.Min(limit ?? test.Count, test.Count);
        using var imageEmbeds = EmbedFashionMnist(pipeline, test, count, progress);
        var labels = Enumerable.Range(0, count).Select(test.Label).ToArray();
        var results = new List<ZeroShotResult>();
        foreach (var code in languageCodes)
        {
            var language = CaptionLanguages.Get(code);
            using var classEmbeds = ClassEmbeddings(pipeline, language);
            using var scores = torch.matmul(imageEmbeds, classEmbeds.t());
            using var predicted = scores.argmax(1);
            long[] p = predicted.data<long>().ToArray();
            int correct = p.Where((c, i) => c == labels[i]).Count();
            results.Add(new ZeroShotResult(language.Code, language.EnglishName, (double)correct / count, count));
        }
        return results;
    }

    /// <summary>(10, D) normalised class embeddings of one language (prompt ensemble).</summary>
    public static Tensor ClassEmbeddings(EmbeddingPipeline pipeline, CaptionLanguage language)
    {
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>();
        for (int c = 0; c < FashionMnist.ClassCount; c++)
        {
            var prompts = language.ZeroShotPrompts(c);
            var tokens = pipeline.TextProcessor.Process(prompts);
            var e = pipeline.EmbedTexts(tokens).mean([0]);
            rows.Add(e / e.norm());
        }
        return torch.stack(rows, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// (10, D) normalised class embeddings for tinted items (FashionScenes single-item scenes): each class is the mean of
    /// its single-item captions in every palette colour (<paramref name="perColor"/> captions each, templates drawn by a
    /// fixed generator), so that the colour is averaged out rather than assumed gray.
    /// </summary>
    public static Tensor TintedClassEmbeddings(EmbeddingPipeline pipeline, CaptionLanguage language, int perColor = 3)
    {
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>();
        for (int c = 0; c < FashionMnist.ClassCount; c++)
        {
            var prompts = new List<string>();
            for (int k = 0; k < ColorPalette.Count; k++)
                for (int j = 0; j < perColor; j++)
                    prompts.Add(language.SingleItemCaption(new ItemDescription(c, k), new SceneRandom(20_250_227, c, k * perColor + j)));
            var e = pipeline.EmbedTexts(pipeline.TextProcessor.Process(prompts)).mean([0]);
            rows.Add(e / e.norm());
        }
        return torch.stack(rows, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Embeds the first <paramref name="count"/> images (gray → RGB, the checkpoint's processor).</summary>
    public static Tensor EmbedFashionMnist(EmbeddingPipeline pipeline, FashionMnistImages images, int count, IProgress<int>? progress)
    {
        const int chunk = 256;
        var parts = new List<Tensor>();
        for (int start = 0; start < count; start += chunk)
        {
            int n = Math.Min(chunk, count - start);
            var rgb = new List<RgbImage>(n);
            for (int i = start; i < start + n; i++) rgb.Add(GrayToRgb(images.Image(i), FashionMnist.ImageSide, FashionMnist.ImageSide));
            var batch = pipeline.ImageProcessor.Preprocess(rgb);
            parts.Add(pipeline.EmbedImages(batch));
            progress?.Report(start + n);
        }
        var all = torch.cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        return all;
    }

    public static RgbImage GrayToRgb(ReadOnlySpan<byte> gray, int width, int height)
    {
        var rgb = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = gray[i];
        return new RgbImage(width, height, rgb);
    }
}
