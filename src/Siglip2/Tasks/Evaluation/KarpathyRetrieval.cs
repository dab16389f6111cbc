namespace Siglip2.Tasks.Evaluation;

/// <summary>Retrieval on one split of a Karpathy-format caption file (COCO / Flickr30k).</summary>
public sealed record KarpathyRetrievalResult(string Annotations, string Split, RetrievalRecall Recall, int Skipped, IReadOnlyList<SkippedImage> SkippedFiles);

/// <summary>COCO / Flickr30k Karpathy-split retrieval (the COCO and Flickr columns of the paper's Table 1).</summary>
public static class KarpathyRetrieval
{
    /// <summary>Retrieval over <paramref name="images"/> (from <see cref="Data.KarpathyCaptions.Load"/>); the file and split name the result.</summary>
    public static KarpathyRetrievalResult Run(EmbeddingPipeline pipeline, IReadOnlyList<Data.CaptionedImage> images, string annotationFile, string split,
        IProgress<int>? imageProgress = null, IProgress<int>? captionProgress = null)
    {
        using var gallery = CaptionRetrieval.EmbedImages(pipeline, images.Select(i => i.ImagePath), imageProgress);
        var recall = CaptionRetrieval.Evaluate(pipeline, gallery, images, captionProgress);
        return new KarpathyRetrievalResult(annotationFile, split, recall, gallery.Skipped.Count, gallery.Skipped.Take(ClassFolderZeroShot.ListedSkips).ToList());
    }
}
