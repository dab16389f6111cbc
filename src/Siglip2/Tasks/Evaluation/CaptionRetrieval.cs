using Siglip2.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Evaluation;

/// <summary>The embedded images of a retrieval benchmark: one row per decoded file; the skipped files.</summary>
public sealed class EmbeddedGallery : IDisposable
{
    /// <summary>(rows, D) L2-normalised image embeddings.</summary>
    public Tensor Embeddings { get; }
    /// <summary>Row of each decoded image path.</summary>
    public IReadOnlyDictionary<string, int> Rows { get; }
    public IReadOnlyList<SkippedImage> Skipped { get; }

    internal EmbeddedGallery(Tensor embeddings, IReadOnlyDictionary<string, int> rows, IReadOnlyList<SkippedImage> skipped)
    {
        Embeddings = embeddings; Rows = rows; Skipped = skipped;
    }

    public void Dispose() => Embeddings.Dispose();
}

/// <summary>
/// Image–text retrieval over captioned images (COCO/Flickr30k Karpathy splits, XM3600 languages): the images are
/// embedded once, streamed in batches (<see cref="ImageFileStream"/>); the captions of each caption set are embedded in
/// chunks; <see cref="RetrievalMetrics"/> ranks them. An image that could not be decoded leaves the benchmark with its
/// captions (neither a query nor a candidate), and is counted in the report.
/// </summary>
public static class CaptionRetrieval
{
    /// <summary>Captions per text forward-pass chunk (progress granularity; the pipeline batches inside).</summary>
    private const int CaptionChunk = 256;

    /// <summary>Embeds the distinct files of <paramref name="paths"/>, in first-seen order.</summary>
    public static EmbeddedGallery EmbedImages(EmbeddingPipeline pipeline, IEnumerable<string> paths, IProgress<int>? progress = null)
    {
        var distinct = paths.Distinct(StringComparer.Ordinal).ToList();
        var parts = new List<Tensor>();
        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            var skipped = ImageFileStream.Embed(pipeline, distinct, (indices, embeds) =>
            {
                foreach (int i in indices) rows[distinct[i]] = rows.Count;
                parts.Add(embeds.clone().DetachFromDisposeScope());
            }, progress);
            if (parts.Count == 0)
                throw new Siglip2Exception($"none of the {distinct.Count} image files could be decoded (first: {skipped[0].Path}: {skipped[0].Reason})");
            return new EmbeddedGallery(torch.cat(parts, 0), rows, skipped);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    /// <summary>(T, D) L2-normalised caption embeddings, in order.</summary>
    public static Tensor EmbedCaptions(EmbeddingPipeline pipeline, IReadOnlyList<string> captions, IProgress<int>? progress = null)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (int start = 0; start < captions.Count; start += CaptionChunk)
        {
            var chunk = captions.Skip(start).Take(CaptionChunk).ToList();
            parts.Add(pipeline.EmbedTexts(pipeline.TextProcessor.Process(chunk)));
            progress?.Report(start + chunk.Count);
        }
        return torch.cat(parts, 0).MoveToOuterDisposeScope();
    }

    private sealed class OffsetProgress(IProgress<int> inner, int offset) : IProgress<int>
    {
        public void Report(int value) => inner.Report(value + offset);
    }

    /// <summary>Recall@1/5/10 of <paramref name="images"/> (each with its captions) over the embedded <paramref name="gallery"/>.</summary>
    public static RetrievalRecall Evaluate(EmbeddingPipeline pipeline, EmbeddedGallery gallery, IReadOnlyList<CaptionedImage> images, IProgress<int>? captionProgress = null)
    {
        using var scope = NewDisposeScope();
        var rows = new List<long>();
        var captions = new List<string>();
        var owner = new List<int>();
        int leftOut = 0;
        foreach (var image in images)
        {
            if (!gallery.Rows.TryGetValue(image.ImagePath, out int row)) { leftOut += image.Captions.Count; continue; } // skipped file
            foreach (var c in image.Captions) { captions.Add(c); owner.Add(rows.Count); }
            rows.Add(row);
        }
        if (rows.Count == 0) throw new Siglip2Exception("no decodable image has a caption in this caption set");
        var imageEmbeds = gallery.Embeddings.index_select(0, torch.tensor(rows.ToArray(), ScalarType.Int64));
        // progress counts every caption of the set, those of skipped images as done from the start
        var captionEmbeds = EmbedCaptions(pipeline, captions, captionProgress is null ? null : new OffsetProgress(captionProgress, leftOut));
        return RetrievalMetrics.Compute(imageEmbeds, captionEmbeds, owner);
    }
}
