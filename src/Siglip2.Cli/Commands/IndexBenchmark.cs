using System.Diagnostics;
using SkiaSharp;
using Siglip2.Cli.Infrastructure;
using Siglip2.Processing.Images;
using Siglip2.Search;
using Siglip2.Tasks;

namespace Siglip2.Cli.Commands;

/// <summary>
/// `siglip2 bench --index`: indexing a folder of 12-megapixel JPEGs (decode, Pillow-exact resize, forward pass, SQLite)
/// against the image tower's batch-8 throughput on already-preprocessed inputs, B/16@224, measured in one run.
/// </summary>
public static class IndexBenchmark
{
    public sealed record Result(int Images, double IndexImagesPerSecond, double FastIndexImagesPerSecond, double TowerImagesPerSecond, double DecodeSecondsPerImage,
        double MinimumCosineFastToExact, double MeanCosineFastToExact)
    {
        public double Ratio => IndexImagesPerSecond / TowerImagesPerSecond;
        public double FastRatio => FastIndexImagesPerSecond / TowerImagesPerSecond;
    }

    public static Result Run(string tempRoot, Action<string> say, int images = 24)
    {
        string root = Path.Combine(tempRoot, $"siglip2-index-bench-{Environment.ProcessId}");
        string model = Path.Combine(root, "model"), photos = Path.Combine(root, "photos");
        try
        {
            say("index bench: writing a random B/16@224 checkpoint and 12-megapixel JPEGs");
            RandomBase16Checkpoint.Write(model);
            Directory.CreateDirectory(photos);
            using (var source = SKBitmap.Decode(RandomBase16Checkpoint.Photo))
            using (var big = source.Resize(new SKImageInfo(4000, 3000), new SKSamplingOptions(SKFilterMode.Linear)))
                for (int i = 0; i < images; i++)
                {
                    big.SetPixel(i, i, new SKColor((byte)i, 0, 0)); // distinct files
                    using var data = big.Encode(SKEncodedImageFormat.Jpeg, 90);
                    File.WriteAllBytes(Path.Combine(photos, $"photo{i:D3}.jpg"), data.ToArray());
                }
            using var pipeline = EmbeddingPipeline.Load(model, new EmbeddingPipelineOptions { BatchSize = 8 });
            var one = ImageDecoder.Decode(File.ReadAllBytes(Path.Combine(photos, "photo000.jpg")), "photo000.jpg");
            var batch = pipeline.ImageProcessor.Preprocess(Enumerable.Repeat(one, 8).ToList());
            pipeline.EmbedImages(batch).Dispose(); // warm-up
            say("index bench: tower batch 8 on preprocessed inputs");
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < 3; i++) pipeline.EmbedImages(batch).Dispose();
            double tower = 24 / sw.Elapsed.TotalSeconds;
            sw.Restart();
            for (int i = 0; i < 4; i++) ImageDecoder.Decode(File.ReadAllBytes(Path.Combine(photos, $"photo{i:D3}.jpg")), "x");
            double decode = sw.Elapsed.TotalSeconds / 4;
            say($"index bench: indexing {images} JPEGs of 12 MP with --exact-decode");
            using var store = ImageIndexStore.Open(Path.Combine(root, "photos.db"), create: true);
            sw.Restart();
            var report = new ImageIndexer(new PipelineImageEmbedder(pipeline, model), store, 8).Run([photos]);
            double index = report.Embedded / sw.Elapsed.TotalSeconds;
            say($"index bench: the same with the default DCT-scaled decoding");
            using var fastStore = ImageIndexStore.Open(Path.Combine(root, "fast.db"), create: true);
            sw.Restart();
            var fast = new ImageIndexer(new PipelineImageEmbedder(pipeline, model), fastStore, 8, new ImageDecodeOptions { JpegMinimumSide = IndexCommand.FastDecodeMinimumSide }).Run([photos]);
            double fastRate = fast.Embedded / sw.Elapsed.TotalSeconds;
            // the same file embedded both ways (unit vectors: the dot product is the cosine)
            var exactRows = store.ReadAll().ToDictionary(r => r.Path, r => r.Embedding!);
            var cosines = fastStore.ReadAll().Select(r => (double)System.Numerics.Tensors.TensorPrimitives.Dot(r.Embedding!, exactRows[r.Path])).ToList();
            return new Result(report.Embedded, index, fastRate, tower, decode, cosines.Min(), cosines.Average());
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    public static string Markdown(Result r) =>
        $"""
        ## Indexing (`siglip2 bench --index`)

        B/16@224 with random weights, fp32, {Environment.ProcessorCount} threads, {DateTime.UtcNow:yyyy-MM-dd}: `siglip2 index` over {r.Images} JPEGs of 4000×3000 (decode, Pillow-exact resize, forward pass, SQLite), against the image tower's batch-8 throughput on preprocessed inputs in the same run.

        | measure | img/s |
        |---|---:|
        | image tower, batch 8, preprocessed | {r.TowerImagesPerSecond:F2} |
        | `index`, 12 MP JPEGs (the default: JPEG DCT scaling to ≥ 512 px) | {r.FastIndexImagesPerSecond:F2} (ratio {r.FastRatio:F2}) |
        | `index --exact-decode` (full decode, bit-equal to `embed`) | {r.IndexImagesPerSecond:F2} (ratio {r.Ratio:F2}) |

        The goal is a ratio ≥ 0.85. The same photos embedded both ways agree to cosine {r.MinimumCosineFastToExact:F4} at worst (mean {r.MeanCosineFastToExact:F4}), measured with the random weights of this benchmark's B/16.

        On 2 cores the exact decode cannot reach the goal: a 12 MP decode costs about as much core time as the forward pass itself, so the two together bound the ratio near 0.5–0.6 however well they overlap. The default decodes at a DCT scale instead (what Immich does with its previews, in effect): the pixels the model sees are a 224 px (or NaFlex) resize of a ≥ 512 px image either way.

        Decoding one 12 MP JPEG alone takes {r.DecodeSecondsPerImage:F3} s. Decoding of the next batch overlaps the forward pass of the current one, but both share the same cores.

        """;
}
