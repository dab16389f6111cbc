using Siglip2.Data;

namespace Siglip2.Tasks.Evaluation;

/// <summary>Retrieval in one caption language.</summary>
public sealed record Xm3600LanguageResult(string Language, RetrievalRecall Recall);

/// <summary>The mean over languages of each recall (the paper's XM3600 column averages its 36 languages).</summary>
public sealed record MeanRecall(double ImageToTextR1, double ImageToTextR5, double ImageToTextR10, double TextToImageR1, double TextToImageR5, double TextToImageR10);

public sealed record Xm3600RetrievalResult(string Captions, IReadOnlyList<Xm3600LanguageResult> Languages, MeanRecall Mean, int Skipped, IReadOnlyList<SkippedImage> SkippedFiles);

/// <summary>
/// Multilingual retrieval on XM3600-style captions: the images are embedded once (every language shares them) and each
/// language is a retrieval benchmark of its own over the images it captions, reported per language and as the mean.
/// </summary>
public static class Xm3600Retrieval
{
    public static Xm3600RetrievalResult Run(EmbeddingPipeline pipeline, Xm3600Captions captions, string source,
        IProgress<int>? imageProgress = null, Func<string, int, IProgress<int>?>? captionProgress = null)
    {
        var paths = captions.Languages.SelectMany(l => l.Images.Select(i => i.ImagePath)).Distinct(StringComparer.Ordinal).ToList();
        using var gallery = CaptionRetrieval.EmbedImages(pipeline, paths, imageProgress);
        var results = new List<Xm3600LanguageResult>();
        foreach (var (language, images) in captions.Languages)
        {
            var progress = captionProgress?.Invoke(language, images.Sum(i => i.Captions.Count));
            results.Add(new Xm3600LanguageResult(language, CaptionRetrieval.Evaluate(pipeline, gallery, images, progress)));
        }
        double Mean(Func<RetrievalRecall, double> f) => results.Average(r => f(r.Recall));
        var mean = new MeanRecall(Mean(r => r.ImageToTextR1), Mean(r => r.ImageToTextR5), Mean(r => r.ImageToTextR10),
            Mean(r => r.TextToImageR1), Mean(r => r.TextToImageR5), Mean(r => r.TextToImageR10));
        return new Xm3600RetrievalResult(source, results, mean, gallery.Skipped.Count, gallery.Skipped.Take(ClassFolderZeroShot.ListedSkips).ToList());
    }
}
