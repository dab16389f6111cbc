using Siglip2.Processing.Images;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Evaluation;

/// <summary>An image file an evaluation could not use, and why (missing, unreadable, not an image, corrupt).</summary>
public sealed record SkippedImage(string Path, string Reason);

/// <summary>
/// Embeds a benchmark's image files batch by batch: only one batch is decoded at a time (the next one is decoded and
/// preprocessed on a worker while the model runs on the current one), so a 50,000-image set never sits in memory.
/// Files that cannot be read or decoded are skipped and reported, not fatal: a benchmark download with a few broken
/// files still evaluates, and the report says how many were left out.
/// </summary>
public static class ImageFileStream
{
    /// <summary>
    /// Calls <paramref name="onBatch"/> with the indices (into <paramref name="paths"/>) of each batch's decoded images and
    /// their (n, D) L2-normalised embeddings (disposed after the call: copy what you keep). Returns the skipped files.
    /// </summary>
    public static IReadOnlyList<SkippedImage> Embed(EmbeddingPipeline pipeline, IReadOnlyList<string> paths, Action<int[], Tensor> onBatch,
        IProgress<int>? progress = null, int? batchSize = null)
    {
        int batch = batchSize ?? pipeline.Options.BatchSize;
        if (batch < 1) throw new Siglip2Exception($"batch size must be ≥ 1, got {batch}");
        var processor = pipeline.ImageProcessor;
        var decode = pipeline.Options.Decode;
        var skipped = new List<SkippedImage>();
        int chunks = (paths.Count + batch - 1) / batch;
        if (chunks == 0) return skipped;

        Task<Prepared> Start(int chunk) => Task.Run(() => Prepare(paths, chunk * batch, Math.Min(batch, paths.Count - chunk * batch), processor, decode));

        var next = Start(0);
        int done = 0;
        for (int c = 0; c < chunks; c++)
        {
            var current = next.GetAwaiter().GetResult();
            if (c + 1 < chunks) next = Start(c + 1);
            skipped.AddRange(current.Skipped);
            if (current.Batch is { } images)
            {
                using var scope = NewDisposeScope();
                var embeds = pipeline.EmbedImages(images);
                onBatch(current.Indices, embeds);
            }
            done += current.Count;
            progress?.Report(done);
        }
        return skipped;
    }

    private sealed record Prepared(int Count, int[] Indices, ImageBatch? Batch, List<SkippedImage> Skipped);

    private static Prepared Prepare(IReadOnlyList<string> paths, int start, int count, IImageProcessor processor, ImageDecodeOptions? decode)
    {
        var indices = new List<int>(count);
        var images = new List<RgbImage>(count);
        var skipped = new List<SkippedImage>();
        for (int i = start; i < start + count; i++)
        {
            try
            {
                images.Add(ImageDecoder.DecodeFile(paths[i], decode));
                indices.Add(i);
            }
            catch (Exception e) when (e is Siglip2Exception or IOException or UnauthorizedAccessException)
            {
                skipped.Add(new SkippedImage(paths[i], Siglip2.Configuration.MessageText.OneLine(e.Message)));
            }
        }
        return new Prepared(count, indices.ToArray(), images.Count == 0 ? null : processor.Preprocess(images), skipped);
    }
}
