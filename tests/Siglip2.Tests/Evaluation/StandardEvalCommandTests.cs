using System.Text.Json;
using Siglip2.Checkpoints;
using Siglip2.Data;
using Siglip2.Tests.Processing.Images;
using Siglip2.Tests.Reliability;
using SkiaSharp;
using TorchSharp;

namespace Siglip2.Tests.Evaluation;

/// <summary>
/// `siglip2 eval --classes / --karpathy / --xm3600` end to end on the tiny fixture checkpoint over Fashion-MNIST test
/// images laid out in each format. The expected metrics come from embeddings made by the `embed` command (a separate
/// image path: files → EmbedImageFiles) and a plain loop implementation of the metrics (<see cref="NaiveRetrieval"/>).
/// </summary>
public class StandardEvalCommandTests
{
    /// <summary>siglip-tiny with an 8000-row token table, so the Gemma-like SentencePiece model can drive its text tower.</summary>
    private static string MakeCheckpoint(TempDirectory tmp)
    {
        string dir = tmp.File("model");
        Directory.CreateDirectory(dir);
        using var f = SafeTensorsFile.Open(FixturePaths.Path("siglip-tiny", "model.safetensors"));
        var tensors = f.Tensors.Keys.ToDictionary(k => k, k => f.ReadTensor(k));
        var tok = tensors["text_model.embeddings.token_embedding.weight"];
        torch.manual_seed(11);
        tensors["text_model.embeddings.token_embedding.weight"] = torch.cat([tok, torch.randn(7000, tok.shape[1]) * 0.02f], 0);
        SafeTensorsWriter.Save(Path.Combine(dir, "model.safetensors"), tensors);
        File.WriteAllText(Path.Combine(dir, "config.json"), File.ReadAllText(FixturePaths.Path("siglip-tiny", "config.json")).Replace("\"vocab_size\": 1000", "\"vocab_size\": 8000"));
        File.Copy(FixturePaths.Path("siglip-tiny", "preprocessor_config.json"), Path.Combine(dir, "preprocessor_config.json"));
        File.Copy(FixturePaths.Path("tokenizer", "spm-gemma-like.model"), Path.Combine(dir, "tokenizer.model"));
        return dir;
    }

    private static readonly Lazy<FashionMnistImages> Test = new(() => FashionMnist.LoadPart(FashionMnistPart.Test));

    /// <summary>Writes Fashion-MNIST test image <paramref name="index"/> as a PNG or JPEG file.</summary>
    private static void WriteImage(string path, int index, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        var gray = Test.Value.Image(index);
        var rgb = new byte[gray.Length * 3];
        for (int i = 0; i < gray.Length; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = gray[i];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, EncodedImages.SkiaEncode(FashionMnist.ImageSide, FashionMnist.ImageSide, rgb, format, 95));
    }

    /// <summary>The `embed` command's embeddings of the files and texts, as rows.</summary>
    private static (float[][] Images, float[][] Texts) Embed(string model, IReadOnlyList<string> images, IReadOnlyList<string> texts, string output)
    {
        var args = new List<string> { "embed", "--model", model, "--output", output, "--batch-size", "5", "--truncate" }; // eval truncates long captions too
        foreach (var i in images) { args.Add("--image"); args.Add(i); }
        foreach (var t in texts) { args.Add("--text"); args.Add(t); }
        var run = CliRun.Main([.. args]);
        Assert.True(run.ExitCode == 0, run.StdErr);
        using var file = SafeTensorsFile.Open(output);
        float[][] Rows(string name)
        {
            using var t = file.ReadTensor(name);
            int d = (int)t.shape[1];
            var flat = t.contiguous().data<float>().ToArray();
            return Enumerable.Range(0, (int)t.shape[0]).Select(r => flat.AsSpan(r * d, d).ToArray()).ToArray();
        }
        return (Rows("image_embeds"), Rows("text_embeds"));
    }

    private static JsonElement Report(string jsonPath) => JsonDocument.Parse(File.ReadAllText(jsonPath)).RootElement;

    private static void AssertRecall(JsonElement recall, int[] imageRanks, int[] captionRanks)
    {
        Assert.Equal(imageRanks.Length, recall.GetProperty("images").GetInt32());
        Assert.Equal(captionRanks.Length, recall.GetProperty("captions").GetInt32());
        foreach (int k in new[] { 1, 5, 10 })
        {
            Assert.Equal(NaiveRetrieval.RecallAt(imageRanks, k), recall.GetProperty($"image_to_text_r{k}").GetDouble(), 12);
            Assert.Equal(NaiveRetrieval.RecallAt(captionRanks, k), recall.GetProperty($"text_to_image_r{k}").GetDouble(), 12);
        }
    }

    [Fact]
    public void ClassFoldersZeroShotMatchesTheEmbedPath()
    {
        using var tmp = new TempDirectory();
        string model = MakeCheckpoint(tmp);
        string root = tmp.File("classes");
        // 6 Fashion-MNIST classes × 2 test images, folders c0..c5, names from a folder<TAB>name file
        var labels = Test.Value.Labels;
        var files = new List<(string Path, int Label)>();
        for (int c = 0; c < 6; c++)
            foreach (int index in Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).Take(2))
            {
                string path = Path.Combine(root, $"c{c}", $"{index:D5}.png");
                WriteImage(path, index);
                files.Add((path, c));
            }
        File.WriteAllBytes(Path.Combine(root, "c1", "broken.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]); // skipped, counted
        File.WriteAllText(tmp.File("names.tsv"), string.Join("\n", Enumerable.Range(0, 6).Select(c => $"c{c}\t{FashionMnist.ClassNames[c].ToLowerInvariant()}")));
        File.WriteAllText(tmp.File("templates.txt"), "a photo of a {}.\nart of the {}\n");

        var r = CliRun.Main("eval", "--model", model, "--classes", root, "--class-names", tmp.File("names.tsv"), "--templates", tmp.File("templates.txt"),
            "--output", tmp.File("out/zs.json"), "--batch-size", "4");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var z = Report(tmp.File("out/zs.json")).GetProperty("zero_shot");
        Assert.Equal(12, z.GetProperty("images").GetInt32());
        Assert.Equal(1, z.GetProperty("skipped").GetInt32());
        Assert.EndsWith("broken.png", z.GetProperty("skipped_files")[0].GetProperty("path").GetString());
        Assert.Equal(2, z.GetProperty("template_count").GetInt32());
        Assert.True(File.Exists(tmp.File("out/zs.md")) && File.Exists(tmp.File("out/zs.png")));

        // expected: class = normalised mean of its two prompt embeddings; predictions by cosine
        string[] templates = ["a photo of a {}.", "art of the {}"];
        var prompts = Enumerable.Range(0, 6).SelectMany(c => templates.Select(t => t.Replace("{}", FashionMnist.ClassNames[c].ToLowerInvariant()))).ToList();
        var (images, texts) = Embed(model, files.Select(f => f.Path).ToList(), prompts, tmp.File("expected.safetensors"));
        var classes = Enumerable.Range(0, 6).Select(c => NaiveRetrieval.NormalisedMean(texts.Skip(2 * c).Take(2))).ToArray();
        int top1 = 0, top5 = 0;
        for (int i = 0; i < images.Length; i++)
        {
            var scores = Enumerable.Range(0, 6).Select(c => NaiveRetrieval.Dot(images[i], classes[c])).ToArray();
            var order = Enumerable.Range(0, 6).OrderByDescending(c => scores[c]).ToList();
            var sorted = scores.OrderDescending().ToArray();
            Assert.True(sorted.Zip(sorted.Skip(1)).All(p => p.First - p.Second > 1e-5), "class scores too close to a tie for an exact expectation");
            if (order[0] == files[i].Label) top1++;
            if (order.Take(5).Contains(files[i].Label)) top5++;
        }
        Assert.Equal(top1 / 12.0, z.GetProperty("top1").GetDouble(), 12);
        Assert.Equal(top5 / 12.0, z.GetProperty("top5").GetDouble(), 12);
        Assert.True(top5 < 12 || top1 < 12, "six classes: top-5 should not be trivially everything with top-1 too");
    }

    [Fact]
    public void ClassFoldersAgreeWithTheFashionMnistZeroShotOfTheExistingEval()
    {
        // The first 60 test images as class folders 0..9 (lossless PNG of the same pixels), the English zero-shot prompts
        // written as templates + class names: top-1 must equal the existing FashionScenes zero-shot (IDX pixels in memory,
        // its own class-embedding code) on the same images.
        using var tmp = new TempDirectory();
        string model = MakeCheckpoint(tmp);
        string root = tmp.File("fmnist");
        for (int c = 0; c < FashionMnist.ClassCount; c++) Directory.CreateDirectory(Path.Combine(root, c.ToString()));
        for (int i = 0; i < 60; i++) WriteImage(Path.Combine(root, Test.Value.Label(i).ToString(), $"{i:D5}.png"), i);
        var english = CaptionLanguages.Get("en");
        File.WriteAllText(tmp.File("names.txt"), string.Join("\n", Enumerable.Range(0, FashionMnist.ClassCount).Select(c => english.NounPhrase(new ItemDescription(c, null)))));
        File.WriteAllText(tmp.File("templates.txt"), "A photo of {}.\nA black and white photo of {}.\nThis is {}.\n{}.\n");
        Assert.Equal(english.ZeroShotPrompts(3).Select(p => p.ToLowerInvariant()),
            PromptTemplates.ReadFile(tmp.File("templates.txt")).Select(t => PromptTemplates.Apply(t, english.NounPhrase(new ItemDescription(3, null))).ToLowerInvariant()));

        var r = CliRun.Main("eval", "--model", model, "--classes", root, "--class-names", tmp.File("names.txt"), "--templates", tmp.File("templates.txt"), "--output", tmp.File("zs.json"));
        Assert.True(r.ExitCode == 0, r.StdErr);
        double top1 = Report(tmp.File("zs.json")).GetProperty("zero_shot").GetProperty("top1").GetDouble();

        using var pipeline = Siglip2.Tasks.EmbeddingPipeline.Load(model);
        var expected = Siglip2.Tasks.Evaluation.ZeroShotClassification.Run(pipeline, Test.Value, ["en"], limit: 60).Single();
        Assert.Equal(expected.Top1, top1, 12);
    }

    [Fact]
    public void KarpathyRetrievalMatchesTheEmbedPath()
    {
        using var tmp = new TempDirectory();
        string model = MakeCheckpoint(tmp);
        string imagesDir = tmp.File("coco");
        var entries = new List<object>();
        var paths = new List<string>();
        var captions = new List<string>();
        var owner = new List<int>();
        for (int i = 0; i < 12; i++)
        {
            int index = 100 + i;
            string name = FashionMnist.ClassNames[Test.Value.Label(index)].ToLowerInvariant();
            string file = $"COCO_val2014_{index:D12}.jpg";
            WriteImage(Path.Combine(imagesDir, "val2014", file), index, SKEncodedImageFormat.Jpeg);
            string[] sentences = [$"a {name} " + Words(EnglishWords, 100 + 2 * i), Words(EnglishWords, 101 + 2 * i)]; // distinct and long: see Words
            entries.Add(new { filepath = "val2014", filename = file, split = "test", sentences = sentences.Select(s => new { raw = s }).ToArray() });
            paths.Add(Path.Combine(imagesDir, "val2014", file));
            foreach (var s in sentences) { captions.Add(s); owner.Add(i); }
        }
        entries.Add(new { filepath = "val2014", filename = "missing.jpg", split = "test", sentences = new[] { new { raw = "gone" } } });
        entries.Add(new { filepath = "train2014", filename = "t.jpg", split = "train", sentences = new[] { new { raw = "train only" } } });
        File.WriteAllText(tmp.File("dataset_coco.json"), JsonSerializer.Serialize(new { images = entries, dataset = "coco" }));

        var r = CliRun.Main("eval", "--model", model, "--karpathy", tmp.File("dataset_coco.json"), "--images", imagesDir, "--output", tmp.File("k.json"), "--batch-size", "5");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var k = Report(tmp.File("k.json")).GetProperty("retrieval");
        Assert.Equal(1, k.GetProperty("skipped").GetInt32());
        Assert.Equal("test", k.GetProperty("split").GetString());

        var (images, texts) = Embed(model, paths, captions, tmp.File("expected.safetensors"));
        var (imageRanks, captionRanks) = NaiveRetrieval.Ranks(images, texts, owner.ToArray());
        AssertRecall(k.GetProperty("recall"), imageRanks, captionRanks);
        Assert.Contains(imageRanks.Concat(captionRanks), rank => rank >= 1); // not a degenerate all-perfect case
    }

    private static readonly string[] EnglishWords = ["red", "shoe", "coat", "bag", "dress", "on", "a", "table", "near", "the", "window", "blue", "old", "small", "shirt", "boot"];
    private static readonly string[] GermanWords = ["rot", "schuh", "mantel", "tasche", "kleid", "auf", "ein", "tisch", "neben", "dem", "fenster", "blau", "alt", "klein", "hemd", "stiefel"];

    /// <summary>
    /// A caption of 14 words drawn by <paramref name="seed"/>: the tiny checkpoint pools position 15, so short captions
    /// (mostly padding) embed almost alike; captions that fill the 16 positions are far enough apart for exact ranks.
    /// </summary>
    private static string Words(string[] words, int seed)
    {
        var rng = new Random(seed + 17);
        return string.Join(' ', Enumerable.Range(0, 14).Select(_ => words[rng.Next(words.Length)]));
    }

    [Fact]
    public void Xm3600CaptionsAreScoredPerLanguageWithTheMean()
    {
        using var tmp = new TempDirectory();
        string model = MakeCheckpoint(tmp);
        string dir = tmp.File("xm3600");
        var keys = Enumerable.Range(0, 8).Select(i => $"{0x1000 + i:x16}").ToList();
        for (int i = 0; i < keys.Count; i++) WriteImage(Path.Combine(dir, "images", keys[i] + ".jpg"), 500 + i, SKEncodedImageFormat.Jpeg);
        // en captions every image (two for even ones); de only the first six
        var en = keys.Select((k, i) => i % 2 == 0 ? new[] { Words(EnglishWords, 2 * i), Words(EnglishWords, 2 * i + 1) } : [Words(EnglishWords, 2 * i)]).ToList();
        var de = keys.Take(6).Select((k, i) => new[] { Words(GermanWords, i) }).ToList();
        var lines = keys.Select((k, i) =>
        {
            var line = new Dictionary<string, object> { ["image/key"] = k, ["en"] = new Dictionary<string, object> { ["caption"] = en[i], ["caption/tokenized"] = en[i] } };
            if (i < 6) line["de"] = new Dictionary<string, object> { ["caption"] = de[i] };
            return JsonSerializer.Serialize(line);
        });
        File.WriteAllText(Path.Combine(dir, "captions.jsonl"), string.Join("\n", lines) + "\n");

        var r = CliRun.Main("eval", "--model", model, "--xm3600", dir, "--output", tmp.File("x.json"), "--batch-size", "3");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var x = Report(tmp.File("x.json")).GetProperty("xm3600");
        Assert.True(File.Exists(tmp.File("x-languages.png")));

        var paths = keys.Select(k => Path.Combine(dir, "images", k + ".jpg")).ToList();
        var expected = new Dictionary<string, (int[] I, int[] T)>();
        foreach (var (language, captions) in new[] { ("en", en), ("de", de) })
        {
            var texts = captions.SelectMany(c => c).ToList();
            var owner = captions.SelectMany((c, i) => c.Select(_ => i)).ToArray();
            var (images, textEmbeds) = Embed(model, paths.Take(captions.Count).ToList(), texts, tmp.File($"{language}.safetensors"));
            expected[language] = NaiveRetrieval.Ranks(images, textEmbeds, owner);
        }
        var languages = x.GetProperty("languages").EnumerateArray().ToList();
        Assert.Equal(["en", "de"], languages.Select(l => l.GetProperty("language").GetString()));
        foreach (var l in languages)
        {
            var (i, t) = expected[l.GetProperty("language").GetString()!];
            AssertRecall(l.GetProperty("recall"), i, t);
        }
        double meanR1 = (NaiveRetrieval.RecallAt(expected["en"].T, 1) + NaiveRetrieval.RecallAt(expected["de"].T, 1)) / 2;
        Assert.Equal(meanR1, x.GetProperty("mean").GetProperty("text_to_image_r1").GetDouble(), 12);
    }

    [Fact]
    public void MistakesGiveOneLineErrors()
    {
        using var tmp = new TempDirectory();
        string model = MakeCheckpoint(tmp);
        File.WriteAllText(tmp.File("d.json"), """{"images": []}""");
        Assert.Equal(2, CliRun.Main("eval", "--model", model, "--karpathy", tmp.File("d.json")).ExitCode);                          // no --images
        Assert.Equal(2, CliRun.Main("eval", "--model", model, "--karpathy", tmp.File("d.json"), "--images", tmp.Path, "--xm3600", tmp.Path).ExitCode);
        Assert.Equal(2, CliRun.Main("eval", "--model", model, "--classes", tmp.Path, "--split", "val").ExitCode);
        Assert.Equal(2, CliRun.Main("eval", "--model", model, "--classes", tmp.Path, "--dense").ExitCode);                          // FashionScenes-only option
        var missing = CliRun.Main("eval", "--model", model, "--classes", tmp.File("no-such-root"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("class-folder root not found", missing.OneLineError());
        var split = CliRun.Main("eval", "--model", model, "--karpathy", tmp.File("d.json"), "--images", tmp.Path);
        Assert.Equal(1, split.ExitCode);
        Assert.Contains("no captioned images in split 'test'", split.OneLineError());
        var templates = CliRun.Main("eval", "--model", model, "--classes", tmp.Path, "--templates", "imagenet");
        Assert.Equal(1, templates.ExitCode);
        Assert.Contains("neither a built-in set", templates.OneLineError());
    }
}
