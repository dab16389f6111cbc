using Siglip2.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Evaluation;

/// <summary>Top-1 accuracy of one class.</summary>
public sealed record ClassAccuracy(string Folder, string Name, int Images, double? Top1);

/// <summary>Zero-shot classification of a class-folder dataset.</summary>
public sealed record ClassFolderZeroShotResult(string Root, string Templates, int TemplateCount, int Classes, int Images, int Skipped,
    double Top1, double Top5, IReadOnlyList<ClassAccuracy> PerClass, IReadOnlyList<SkippedImage> SkippedFiles);

/// <summary>
/// Zero-shot classification as CLIP and big_vision evaluate ImageNet: each class is the mean of the L2-normalised
/// embeddings of its prompts (every template with the class name), re-normalised; each image takes the classes with the
/// highest cosine (the logit and the sigmoid are increasing in it, so the ranking is the same). Top-1/top-5 are the
/// shares of decoded images whose class is among the 1/5 best; skipped files count in neither.
/// </summary>
public static class ClassFolderZeroShot
{
    /// <summary>At most this many skipped files are listed in a report (all are counted).</summary>
    public const int ListedSkips = 100;

    /// <summary>(C, D) class embeddings: mean of the normalised prompt embeddings per class, re-normalised.</summary>
    public static Tensor ClassEmbeddings(EmbeddingPipeline pipeline, IReadOnlyList<string> classNames, IReadOnlyList<string> templates, IProgress<int>? progress = null)
    {
        if (templates.Count == 0) throw new Siglip2Exception("no prompt templates");
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>(classNames.Count);
        for (int c = 0; c < classNames.Count; c++)
        {
            using var inner = NewDisposeScope();
            var prompts = templates.Select(t => PromptTemplates.Apply(t, classNames[c])).ToList();
            var mean = pipeline.EmbedTexts(pipeline.TextProcessor.Process(prompts)).mean([0]);
            rows.Add((mean / mean.norm()).MoveToOuterDisposeScope());
            progress?.Report(c + 1);
        }
        return torch.stack(rows, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Classifies every image of <paramref name="data"/> against <paramref name="classEmbeddings"/> (from <see cref="ClassEmbeddings"/>).</summary>
    public static ClassFolderZeroShotResult Run(EmbeddingPipeline pipeline, ClassFolderDataset data, Tensor classEmbeddings, string templatesName, int templateCount,
        IProgress<int>? progress = null)
    {
        int classes = data.Folders.Count;
        if (classEmbeddings.shape[0] != classes) throw new ArgumentException($"{classEmbeddings.shape[0]} class embeddings for {classes} classes", nameof(classEmbeddings));
        int k = Math.Min(5, classes);
        var perClassImages = new int[classes];
        var perClassTop1 = new int[classes];
        int images = 0, top1 = 0, top5 = 0;
        using var classesT = classEmbeddings.t().contiguous();
        var skipped = ImageFileStream.Embed(pipeline, data.Images.Select(i => i.Path).ToList(), (indices, embeds) =>
        {
            using var scores = torch.matmul(embeds, classesT);
            var (_, best) = scores.topk(k, dim: 1);
            using var _best = best;
            long[] flat = best.data<long>().ToArray();
            for (int row = 0; row < indices.Length; row++)
            {
                int label = data.Images[indices[row]].Label;
                images++;
                perClassImages[label]++;
                if (flat[row * k] == label) { top1++; perClassTop1[label]++; }
                for (int j = 0; j < k; j++) if (flat[row * k + j] == label) { top5++; break; }
            }
        }, progress);
        if (images == 0)
            throw new Siglip2Exception($"none of the {data.Images.Count} image files under {data.Root} could be decoded (first: {skipped[0].Reason})");
        var perClass = Enumerable.Range(0, classes)
            .Select(c => new ClassAccuracy(data.Folders[c], data.ClassNames[c], perClassImages[c], perClassImages[c] == 0 ? null : perClassTop1[c] / (double)perClassImages[c]))
            .ToList();
        return new ClassFolderZeroShotResult(data.Root, templatesName, templateCount, classes, images, skipped.Count,
            top1 / (double)images, top5 / (double)images, perClass, skipped.Take(ListedSkips).ToList());
    }
}
