using System.Globalization;
using System.Text;

namespace Siglip2.Tasks.Evaluation;

/// <summary>
/// The results of <c>siglip2 eval</c> on standard benchmark formats (any of the three sections may be absent): zero-shot
/// classification of a class-folder tree, Karpathy-split retrieval, XM3600-style multilingual retrieval.
/// </summary>
public sealed record StandardEvaluationReport(string Model, ClassFolderZeroShotResult? ZeroShot, KarpathyRetrievalResult? Retrieval, Xm3600RetrievalResult? Xm3600)
{
    private static string P(double v) => (100 * v).ToString("0.0", CultureInfo.InvariantCulture);

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Evaluation of {Model}");
        if (ZeroShot is { } z)
        {
            sb.AppendLine();
            sb.AppendLine($"## Zero-shot classification: {z.Root}");
            sb.AppendLine();
            sb.AppendLine($"{z.Classes} classes, {z.Images} images{Skips(z.Skipped)}; templates: {z.Templates} ({z.TemplateCount} per class, embeddings averaged)");
            sb.AppendLine();
            sb.AppendLine("| top-1 (%) | top-5 (%) |");
            sb.AppendLine("|---:|---:|");
            sb.AppendLine($"| {P(z.Top1)} | {P(z.Top5)} |");
        }
        if (Retrieval is { } r)
        {
            sb.AppendLine();
            sb.AppendLine($"## Retrieval: {r.Annotations} (split {r.Split})");
            sb.AppendLine();
            sb.AppendLine($"{r.Recall.Images} images, {r.Recall.Captions} captions{Skips(r.Skipped)}");
            sb.AppendLine();
            sb.AppendLine("| direction | R@1 (%) | R@5 (%) | R@10 (%) |");
            sb.AppendLine("|---|---:|---:|---:|");
            sb.AppendLine($"| image → text | {P(r.Recall.ImageToTextR1)} | {P(r.Recall.ImageToTextR5)} | {P(r.Recall.ImageToTextR10)} |");
            sb.AppendLine($"| text → image | {P(r.Recall.TextToImageR1)} | {P(r.Recall.TextToImageR5)} | {P(r.Recall.TextToImageR10)} |");
        }
        if (Xm3600 is { } x)
        {
            sb.AppendLine();
            sb.AppendLine($"## Multilingual retrieval: {x.Captions}");
            sb.AppendLine();
            sb.AppendLine($"{x.Languages.Count} languages{Skips(x.Skipped)}");
            sb.AppendLine();
            sb.AppendLine("| language | images | captions | I→T R@1 | I→T R@5 | I→T R@10 | T→I R@1 | T→I R@5 | T→I R@10 |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var l in x.Languages)
            {
                var q = l.Recall;
                sb.AppendLine($"| {l.Language} | {q.Images} | {q.Captions} | {P(q.ImageToTextR1)} | {P(q.ImageToTextR5)} | {P(q.ImageToTextR10)} | {P(q.TextToImageR1)} | {P(q.TextToImageR5)} | {P(q.TextToImageR10)} |");
            }
            var m = x.Mean;
            sb.AppendLine($"| **mean** | | | {P(m.ImageToTextR1)} | {P(m.ImageToTextR5)} | {P(m.ImageToTextR10)} | {P(m.TextToImageR1)} | {P(m.TextToImageR5)} | {P(m.TextToImageR10)} |");
        }
        return sb.ToString();
    }

    private static string Skips(int skipped) => skipped == 0 ? "" : $" ({skipped} image file(s) skipped: unreadable or not an image; listed in the JSON report)";

    /// <summary>The headline numbers (label, percent) for a chart: top-1/top-5, R@1/5/10 both ways, the XM3600 means.</summary>
    public IReadOnlyList<(string Label, double Percent)> Headline()
    {
        var list = new List<(string, double)>();
        if (ZeroShot is { } z) { list.Add(("top-1", 100 * z.Top1)); list.Add(("top-5", 100 * z.Top5)); }
        if (Retrieval is { } r)
        {
            list.Add(("I→T R@1", 100 * r.Recall.ImageToTextR1)); list.Add(("I→T R@5", 100 * r.Recall.ImageToTextR5)); list.Add(("I→T R@10", 100 * r.Recall.ImageToTextR10));
            list.Add(("T→I R@1", 100 * r.Recall.TextToImageR1)); list.Add(("T→I R@5", 100 * r.Recall.TextToImageR5)); list.Add(("T→I R@10", 100 * r.Recall.TextToImageR10));
        }
        if (Xm3600 is { } x) { list.Add(("XM I→T R@1", 100 * x.Mean.ImageToTextR1)); list.Add(("XM T→I R@1", 100 * x.Mean.TextToImageR1)); }
        return list;
    }
}
