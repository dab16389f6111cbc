using System.Globalization;
using System.Text;
using Siglip2.Data;

namespace Siglip2.Tasks.Evaluation;

/// <summary>All FashionScenes evaluations of one checkpoint.</summary>
public sealed record FashionEvaluationReport(string Model, IReadOnlyList<ZeroShotResult> ZeroShot, RetrievalResult Retrieval)
{
    public double EnglishTop1 => ZeroShot.FirstOrDefault(z => z.Language == "en")?.Top1 ?? double.NaN;

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"### Zero-shot top-1 on the Fashion-MNIST test set ({ZeroShot.FirstOrDefault()?.Images ?? 0} images)");
        sb.AppendLine();
        sb.AppendLine("| language | top-1 |");
        sb.AppendLine("|---|---|");
        foreach (var z in ZeroShot) sb.AppendLine($"| {z.LanguageName} ({z.Language}) | {Pct(z.Top1)} |");
        sb.AppendLine();
        sb.AppendLine($"### Retrieval on {Retrieval.Scenes} held-out scenes");
        sb.AppendLine();
        sb.AppendLine("| direction | R@1 | R@5 |");
        sb.AppendLine("|---|---|---|");
        sb.AppendLine($"| image → text | {Pct(Retrieval.ImageToTextR1)} | {Pct(Retrieval.ImageToTextR5)} |");
        sb.AppendLine($"| text → image | {Pct(Retrieval.TextToImageR1)} | {Pct(Retrieval.TextToImageR5)} |");
        return sb.ToString();
    }

    private static string Pct(double v) => (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}

/// <summary>Runs zero-shot classification (every caption language) and held-out scene retrieval.</summary>
public static class FashionEvaluation
{
    public static FashionEvaluationReport Run(EmbeddingPipeline pipeline, FashionMnist data, IReadOnlyList<string> languages,
        int? zeroShotLimit, int retrievalScenes, FashionScenesConfig scenes, IProgress<int>? progress = null)
    {
        var zeroShot = ZeroShotClassification.Run(pipeline, data.Test, languages, zeroShotLimit, progress);
        var heldOut = new FashionScenes(data, scenes, SceneSplit.HeldOut);
        var retrieval = SceneRetrieval.Run(pipeline, heldOut, retrievalScenes);
        return new FashionEvaluationReport(pipeline.Folder, zeroShot, retrieval);
    }
}
