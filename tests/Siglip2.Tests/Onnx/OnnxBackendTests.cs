using System.Text.Json;
using Siglip2.Checkpoints;
using Siglip2.Onnx;
using Siglip2.Processing.Text;
using Siglip2.Tasks;
using Siglip2.Tests.Reliability;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Siglip2.Tests.Onnx;

/// <summary>
/// The ONNX Runtime backend (<see cref="OnnxEmbedder"/>, `--backend onnx`): image files and token ids give the
/// reference embeddings (fp32) or close ones (int8), the graphs are cached by checkpoint key, and the CLI options
/// refuse what they cannot do.
/// </summary>
public class OnnxBackendTests(ITestOutputHelper output)
{
    private static string[] FixtureImages(string fixture)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.Path(fixture, "manifest.json")));
        return doc.RootElement.GetProperty("files").GetProperty("images").EnumerateArray()
            .Select(i => FixturePaths.Path(fixture, i.GetProperty("file").GetString()!)).ToArray();
    }

    private static TokenizedTextBatch ReferenceIds(SafeTensorsFile expected)
    {
        using var ids = expected.ReadTensor("input_ids", ScalarType.Int64);
        int length = (int)ids.shape[1];
        var flat = ids.data<long>().ToArray();
        var items = Enumerable.Range(0, (int)ids.shape[0])
            .Select(b => new TokenizedText($"row {b}", flat.AsSpan(b * length, length).ToArray(), [], length, length)).ToList();
        return new TokenizedTextBatch(items, length);
    }

    private static double MaxAbs(Tensor a, Tensor b)
    {
        Assert.Equal(b.shape, a.shape);
        return (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).abs().max().item<double>();
    }

    [Theory]
    [InlineData("siglip-tiny")]
    [InlineData("siglip2-naflex-tiny")]
    public void Float32BackendGivesTheReferenceEmbeddingsAndCachesItsGraphs(string fixture)
    {
        using var cache = new TempDirectory();
        using var pipeline = EmbeddingPipeline.Load(FixturePaths.Path(fixture), new EmbeddingPipelineOptions { BatchSize = 2 });
        using var expected = OrtRun.Expected(fixture);
        using var scope = NewDisposeScope();
        string visionGraph;
        using (var onnx = new OnnxEmbedder(pipeline.Model, pipeline.Folder, OnnxPrecision.Float32, cache.Path, threads: 1))
        {
            var images = onnx.EmbedImageFiles(pipeline.ImageProcessor, FixtureImages(fixture), batchSize: 2);
            var torchImages = pipeline.EmbedImageFiles(FixtureImages(fixture));
            double image = MaxAbs(images, expected.ReadTensor("image_embeds"));
            double imageVsTorch = MaxAbs(images, torchImages);
            var texts = onnx.EmbedTexts(ReferenceIds(expected), batchSize: 2);
            double text = MaxAbs(texts, expected.ReadTensor("text_embeds"));
            output.WriteLine($"{fixture}: onnx fp32 image_embeds vs reference {image:E2} (vs torch {imageVsTorch:E2}), text_embeds {text:E2}");
            Assert.True(image <= 1e-5 && imageVsTorch <= 1e-5 && text <= 1e-5);
            visionGraph = Path.Combine(onnx.GraphFolder, "vision_model.onnx");
            Assert.True(File.Exists(visionGraph));
            Assert.True(File.Exists(Path.Combine(onnx.GraphFolder, "text_model.onnx")));
        }
        var written = File.GetLastWriteTimeUtc(visionGraph);
        using (var again = new OnnxEmbedder(pipeline.Model, pipeline.Folder, OnnxPrecision.Float32, cache.Path, threads: 1))
        {
            Assert.Equal(visionGraph, Path.Combine(again.GraphFolder, "vision_model.onnx"));
            var images = again.EmbedImageFiles(pipeline.ImageProcessor, FixtureImages(fixture), batchSize: 4);
            Assert.True(MaxAbs(images, expected.ReadTensor("image_embeds")) <= 1e-5);
        }
        Assert.Equal(written, File.GetLastWriteTimeUtc(visionGraph)); // reused, not exported again
        // another precision is another cache entry
        Assert.NotEqual(OnnxEmbedder.CacheKey(pipeline.Folder, OnnxPrecision.Float32), OnnxEmbedder.CacheKey(pipeline.Folder, OnnxPrecision.Int8));
    }

    [Fact]
    public void Int8BackendStaysCloseToTheReference()
    {
        const string fixture = "siglip2-naflex-tiny";
        using var cache = new TempDirectory();
        using var pipeline = EmbeddingPipeline.Load(FixturePaths.Path(fixture));
        using var expected = OrtRun.Expected(fixture);
        using var scope = NewDisposeScope();
        using var onnx = new OnnxEmbedder(pipeline.Model, pipeline.Folder, OnnxPrecision.Int8, cache.Path, threads: 1);
        var images = onnx.EmbedImageFiles(pipeline.ImageProcessor, FixtureImages(fixture), batchSize: 8);
        var cosine = (images * expected.ReadTensor("image_embeds")).sum(1).min().item<float>();
        output.WriteLine($"int8 backend image cosine to the reference ≥ {cosine:F5}");
        Assert.True(cosine >= 0.998);
        Assert.True(MaxAbs(images, expected.ReadTensor("image_embeds")) > 1e-6, "int8 should differ from fp32");
    }

    [Fact]
    public void TokenIdsOutsideTheVocabularyAreRefused()
    {
        using var cache = new TempDirectory();
        using var model = CheckpointLoader.Load(FixturePaths.Path("siglip-tiny"));
        using var onnx = new OnnxEmbedder(model, FixturePaths.Path("siglip-tiny"), OnnxPrecision.Float32, cache.Path);
        var batch = new TokenizedTextBatch([new TokenizedText("x", [1, model.Text.Config.VocabSize, 0], [], 2, 2)], 3);
        var e = Assert.Throws<Siglip2Exception>(() => onnx.EmbedTexts(batch, 8));
        Assert.Contains("vocabulary", e.Message);
    }

    [Fact]
    public void EmbedCommandRunsOnTheOnnxBackend()
    {
        const string fixture = "siglip-tiny";
        using var tmp = new TempDirectory();
        string? before = Environment.GetEnvironmentVariable("SIGLIP2_ONNX_CACHE");
        Environment.SetEnvironmentVariable("SIGLIP2_ONNX_CACHE", tmp.File("cache"));
        try
        {
            var args = new List<string> { "embed", "--model", FixturePaths.Path(fixture), "--backend", "onnx", "--output", tmp.File("e.safetensors") };
            foreach (var image in FixtureImages(fixture)) { args.Add("--image"); args.Add(image); }
            var r = CliRun.Main([.. args]);
            Assert.True(r.ExitCode == 0, r.StdErr);
            using var written = SafeTensorsFile.Open(tmp.File("e.safetensors"));
            using var expected = OrtRun.Expected(fixture);
            using var scope = NewDisposeScope();
            Assert.True(MaxAbs(written.ReadTensor("image_embeds"), expected.ReadTensor("image_embeds")) <= 1e-5);
            Assert.Single(Directory.GetDirectories(tmp.File("cache")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SIGLIP2_ONNX_CACHE", before);
        }
    }

    [Fact]
    public void IndexOnTheOnnxBackendStoresTheTorchEmbeddings()
    {
        const string fixture = "siglip2-naflex-tiny";
        using var tmp = new TempDirectory();
        string photos = Directory.CreateDirectory(tmp.File("photos")).FullName;
        foreach (var image in FixtureImages(fixture)) File.Copy(image, Path.Combine(photos, Path.GetFileName(image)));
        string? before = Environment.GetEnvironmentVariable("SIGLIP2_ONNX_CACHE");
        Environment.SetEnvironmentVariable("SIGLIP2_ONNX_CACHE", tmp.File("cache"));
        try
        {
            var torchRun = CliRun.Main("index", photos, "--db", tmp.File("torch.db"), "--model", FixturePaths.Path(fixture));
            var onnxRun = CliRun.Main("index", photos, "--db", tmp.File("onnx.db"), "--model", FixturePaths.Path(fixture), "--backend", "onnx");
            Assert.True(torchRun.ExitCode == 0, torchRun.StdErr);
            Assert.True(onnxRun.ExitCode == 0, onnxRun.StdErr);
            using var torchDb = Siglip2.Search.ImageIndexStore.Open(tmp.File("torch.db"), create: false);
            using var onnxDb = Siglip2.Search.ImageIndexStore.Open(tmp.File("onnx.db"), create: false);
            var torchRows = torchDb.ReadAll().ToDictionary(r => Path.GetFileName(r.Path));
            var onnxRows = onnxDb.ReadAll();
            Assert.Equal(FixtureImages(fixture).Length, onnxRows.Count);
            foreach (var row in onnxRows)
            {
                var reference = torchRows[Path.GetFileName(row.Path)].Embedding!;
                double max = row.Embedding!.Zip(reference, (x, y) => Math.Abs(x - y)).Max();
                Assert.True(max <= 1e-5, $"{row.Path}: {max}");
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("SIGLIP2_ONNX_CACHE", before);
        }
    }

    [Theory]
    [InlineData("embed", "--dtype int8", "needs --backend onnx")]
    [InlineData("embed", "--backend onnx --dtype bf16", "--dtype")]
    [InlineData("embed", "--backend tensorrt", "--backend")]
    [InlineData("search", "--backend onnx", "available for embed, classify, index and serve")]
    public void BackendMistakesGiveOneLine(string command, string options, string expected)
    {
        using var tmp = new TempDirectory();
        var args = new List<string> { command, "--model", FixturePaths.Path("siglip-tiny") };
        args.AddRange(options.Split(' '));
        if (command == "embed") args.AddRange(["--image", FixtureImages("siglip-tiny")[0]]);
        else
        {
            // an existing (empty) index, so that the option is what fails
            using (var store = Siglip2.Search.ImageIndexStore.Open(tmp.File("x.db"), create: true))
                store.SetMeta("model", FixturePaths.Path("siglip-tiny"));
            args.AddRange(["--db", tmp.File("x.db"), "a query"]);
        }
        var r = CliRun.Main([.. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.OneLineError());
    }
}
