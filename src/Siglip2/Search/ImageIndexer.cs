using System.Diagnostics;
using System.Security.Cryptography;
using Siglip2.Configuration;
using Siglip2.Processing.Images;

namespace Siglip2.Search;

/// <summary>What one indexing run did.</summary>
public sealed record IndexReport(int Files, int Embedded, int Unchanged, int Removed, IReadOnlyList<IndexFailure> Failures, double Seconds);

/// <summary>A file left out of the index, and why.</summary>
public sealed record IndexFailure(string Path, string Error);

/// <summary>
/// Builds and updates an <see cref="ImageIndexStore"/> from folders: finds the images (recursively; the formats the
/// decoder reads), embeds only new or changed files (size or modification time differ) in batches — decoding the
/// next batch while the model runs the current one — and drops rows of files that are gone. A file that cannot be
/// read or decoded is recorded with its error and skipped; the run never stops for one file. A database built with
/// one model refuses another (rebuild with <c>reindex</c>).
/// </summary>
public sealed class ImageIndexer(IImageEmbedder embedder, ImageIndexStore store, int batchSize = 8, ImageDecodeOptions? decode = null, IndexShard? shard = null, int annThreshold = AnnIndex.Threshold)
{
    public static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"];

    public IndexReport Run(IReadOnlyList<string> roots, bool reindex = false, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        string? model = store.GetMeta("model");
        if (model is not null && model != embedder.ModelId)
        {
            if (!reindex)
                throw new Siglip2Exception($"{store.Path} was built with the model '{model}', not '{embedder.ModelId}'; embeddings of two models cannot be mixed: use --reindex to rebuild it, or another --db");
            store.Clear();
        }
        else if (reindex) store.Clear();
        store.SetMeta("model", embedder.ModelId);
        store.SetMeta("dimensions", embedder.Dimensions.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // the decoding is part of what an embedding means: rows decoded two ways are not mixed in one index
        string decoding = DecodingName(decode);
        string? recorded = store.GetMeta("decode") is { Length: > 0 } m ? m : store.Stamps().Count > 0 ? DecodingName(null) : null; // before the key existed: exact
        if (recorded is not null && recorded != decoding)
            throw new Siglip2Exception($"{store.Path} was built with {recorded} decoding, this run asks for {decoding}; {(recorded == DecodingName(null) ? "pass --exact-decode" : "leave out --exact-decode")} to continue it, or --reindex to rebuild it");
        store.SetMeta("decode", decoding);

        var fullRoots = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).ToList();
        foreach (var r in fullRoots)
            if (!Directory.Exists(r)) throw new Siglip2Exception($"folder to index not found: {r}");
        var files = fullRoots.SelectMany(Find).Distinct(StringComparer.Ordinal).Where(f => shard is null || shard.Owns(f)).Order(StringComparer.Ordinal).ToList();
        if (shard is not null) store.SetMeta("shard", shard.ToString());
        var stamps = store.Stamps();
        var present = new HashSet<string>(files, StringComparer.Ordinal);
        var removed = stamps.Keys.Where(p => !present.Contains(p) && fullRoots.Any(r => p.StartsWith(r + Path.DirectorySeparatorChar, StringComparison.Ordinal))).ToList();
        var todo = new List<(string Path, long Size, long Modified)>();
        int unchanged = 0;
        foreach (string f in files)
        {
            var info = new FileInfo(f);
            long size = info.Length, modified = info.LastWriteTimeUtc.Ticks;
            if (stamps.TryGetValue(f, out var s) && s == (size, modified)) unchanged++;
            else todo.Add((f, size, modified));
        }
        if (removed.Count > 0) store.Write([], removed);

        var failures = new List<IndexFailure>();
        int embedded = 0, done = 0;
        var batches = todo.Chunk(batchSize).ToList();
        // decoding and preprocessing of the next batch run on a worker while the model embeds the current one
        Task<(Decoded[] Decoded, ImageBatch? Batch)>? next = batches.Count > 0 ? Task.Run(() => Prepare(batches[0])) : null;
        for (int i = 0; i < batches.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var (decoded, prepared) = next!.GetAwaiter().GetResult();
            if (i + 1 < batches.Count) { var b = batches[i + 1]; next = Task.Run(() => Prepare(b)); }
            var good = decoded.Where(d => d.Image is not null).ToList();
            float[][] vectors = prepared is not null ? embedder.EmbedImages(prepared) : [];
            var rows = new List<IndexedImage>(decoded.Length);
            int k = 0;
            foreach (var d in decoded)
            {
                if (d.Image is null)
                {
                    failures.Add(new IndexFailure(d.Path, d.Error!));
                    rows.Add(new IndexedImage(d.Path, d.Size, d.Modified, d.Sha256, 0, 0, null, d.Error));
                }
                else rows.Add(new IndexedImage(d.Path, d.Size, d.Modified, d.Sha256, d.Image.Width, d.Image.Height, vectors[k++], null));
            }
            store.Write(rows); // one transaction per batch: a kill leaves whole batches
            embedded += good.Count;
            done += decoded.Length;
            progress?.Report((done, todo.Count));
        }
        if (todo.Count > 0 || removed.Count > 0 || store.GetMeta("ann_generation") is null) AnnIndex.Rebuild(store, embedder.Dimensions, annThreshold);
        return new IndexReport(files.Count, embedded, unchanged, removed.Count, failures, clock.Elapsed.TotalSeconds);
    }

    /// <summary>How the index decodes: <c>exact</c> (a full decode, as the reference processor sees the file) or
    /// <c>jpeg-dct-512</c> (JPEGs decoded at the smallest DCT scale that keeps 512 px a side).</summary>
    public static string DecodingName(ImageDecodeOptions? decode) =>
        decode?.JpegMinimumSide is int side ? $"jpeg-dct-{side}" : "exact";

    private static IEnumerable<string> Find(string root) =>
        Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.None })
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()) && InputFile.IsRegular(f))
            .Select(Path.GetFullPath);

    private sealed record Decoded(string Path, long Size, long Modified, string? Sha256, RgbImage? Image, string? Error);

    private (Decoded[], ImageBatch?) Prepare((string Path, long Size, long Modified)[] batch)
    {
        var decoded = DecodeAll(batch);
        var images = decoded.Where(d => d.Image is not null).Select(d => d.Image!).ToList();
        return (decoded, images.Count > 0 ? embedder.Preprocess(images) : null);
    }

    private Decoded[] DecodeAll((string Path, long Size, long Modified)[] batch)
    {
        var result = new Decoded[batch.Length];
        Parallel.For(0, batch.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var (path, size, modified) = batch[i];
            string? sha = null;
            try
            {
                byte[] data = InputFile.ReadAllBytes(path, "image", InputLimits.EncodedImageBytes);
                sha = Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();
                result[i] = new Decoded(path, size, modified, sha, ImageDecoder.Decode(data, path, decode), null);
            }
            catch (Exception e) when (e is Siglip2Exception or IOException or UnauthorizedAccessException)
            {
                result[i] = new Decoded(path, size, modified, sha, null, e.Message.ReplaceLineEndings(" "));
            }
        });
        return result;
    }
}
