using System.Text.Json;
using Siglip2.Checkpoints;
using Siglip2.Cli;
using Siglip2.Cli.Commands;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Cli;

/// <summary>End to end: image files → commands → the Hugging Face reference tensors.</summary>
public class InferenceCommandTests
{
    private static string[] FixtureImages(string fixture)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.Path(fixture, "manifest.json")));
        return doc.RootElement.GetProperty("files").GetProperty("images").EnumerateArray()
            .Select(i => FixturePaths.Path(fixture, i.GetProperty("file").GetString()!)).ToArray();
    }

    private static double MaxAbsDiff(string fileA, string nameA, string fileB, string nameB)
    {
        using var a = SafeTensorsFile.Open(fileA);
        using var b = SafeTensorsFile.Open(fileB);
        using var ta = a.ReadTensor(nameA, ScalarType.Float64);
        using var tb = b.ReadTensor(nameB, ScalarType.Float64);
        Assert.Equal(tb.shape, ta.shape);
        return (ta - tb).abs().max().item<double>();
    }

    [Theory]
    [InlineData("siglip-tiny")]
    [InlineData("siglip2-naflex-tiny")]
    public void EmbedImageFilesEqualsReferenceEmbeddings(string fixture)
    {
        using var tmp = new TempDirectory();
        var args = new List<string> { "--model", FixturePaths.Path(fixture), "--output", tmp.File("out.safetensors"), "--batch-size", "2" };
        foreach (var img in FixtureImages(fixture)) { args.Add("--image"); args.Add(img); }
        Assert.Equal(0, Program.Execute(new EmbedCommand(), args));
        double err = MaxAbsDiff(tmp.File("out.safetensors"), "image_embeds", FixturePaths.Path(fixture, "expected.safetensors"), "image_embeds");
        Assert.True(err <= 1e-5, $"max abs error {err}");
    }

    [Theory]
    [InlineData("siglip-tiny")]
    [InlineData("siglip2-naflex-tiny")]
    public void PreprocessWritesTheReferencePixelTensors(string fixture)
    {
        using var tmp = new TempDirectory();
        var args = new List<string> { "--model", FixturePaths.Path(fixture), "--output", tmp.File("px.safetensors") };
        foreach (var img in FixtureImages(fixture)) { args.Add("--image"); args.Add(img); }
        Assert.Equal(0, Program.Execute(new PreprocessCommand(), args));
        Assert.True(MaxAbsDiff(tmp.File("px.safetensors"), "pixel_values", FixturePaths.Path(fixture, "expected.safetensors"), "pixel_values") <= 1e-6);
        if (fixture.Contains("naflex"))
        {
            Assert.Equal(0, MaxAbsDiff(tmp.File("px.safetensors"), "pixel_attention_mask", FixturePaths.Path(fixture, "expected.safetensors"), "pixel_attention_mask"));
            Assert.Equal(0, MaxAbsDiff(tmp.File("px.safetensors"), "spatial_shapes", FixturePaths.Path(fixture, "expected.safetensors"), "spatial_shapes"));
        }
    }

    /// <summary>siglip-tiny with an 8000-row token table, so the Gemma-like SentencePiece model can drive its text tower.</summary>
    private static void MakeModelWithTokenizer(string dir)
    {
        using var f = SafeTensorsFile.Open(FixturePaths.Path("siglip-tiny", "model.safetensors"));
        var tensors = f.Tensors.Keys.ToDictionary(k => k, k => f.ReadTensor(k));
        var tok = tensors["text_model.embeddings.token_embedding.weight"];
        torch.manual_seed(7);
        tensors["text_model.embeddings.token_embedding.weight"] = torch.cat([tok, torch.randn(7000, tok.shape[1]) * 0.02f], 0);
        SafeTensorsWriter.Save(Path.Combine(dir, "model.safetensors"), tensors);
        File.WriteAllText(Path.Combine(dir, "config.json"), File.ReadAllText(FixturePaths.Path("siglip-tiny", "config.json")).Replace("\"vocab_size\": 1000", "\"vocab_size\": 8000"));
        File.Copy(FixturePaths.Path("siglip-tiny", "preprocessor_config.json"), Path.Combine(dir, "preprocessor_config.json"));
        File.Copy(FixturePaths.Path("tokenizer", "spm-gemma-like.model"), Path.Combine(dir, "tokenizer.model"));
    }

    [Fact]
    public void ClassifyAndEmbedTextsRunEndToEnd()
    {
        using var tmp = new TempDirectory();
        MakeModelWithTokenizer(tmp.Path);
        var images = FixtureImages("siglip-tiny");
        Assert.Equal(0, Program.Execute(new ClassifyCommand(), ["--model", tmp.Path, "--image", images[0], "--image", images[1], "--labels", "cat, dog,bird", "--json"]));
        Assert.Equal(0, Program.Execute(new EmbedCommand(), ["--model", tmp.Path, "--text", "a cat", "--text", "ein Hund", "--output", tmp.File("t.safetensors")]));
        using var t = SafeTensorsFile.Open(tmp.File("t.safetensors"));
        using var embeds = t.ReadTensor("text_embeds");
        Assert.Equal([2L, 64L], embeds.shape);
        using var norms = embeds.norm(1);
        Assert.True((norms - 1).abs().max().item<float>() < 1e-5);
        Assert.Equal(0, Program.Execute(new TokenizeCommand(), ["--model", tmp.Path, "hello world", "--json"]));
    }

    [Fact]
    public void BadInputsGiveErrorsNotCrashes()
    {
        using var tmp = new TempDirectory();
        MakeModelWithTokenizer(tmp.Path);
        var image = FixtureImages("siglip-tiny")[0];
        File.WriteAllBytes(tmp.File("corrupt.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        File.WriteAllText(tmp.File("notes.png"), "not an image");
        // corrupt / non-image files, missing files, empty labels, wrong model folder, over-long text, bad options
        Assert.Equal(1, Program.Execute(new EmbedCommand(), ["--model", tmp.Path, "--image", tmp.File("corrupt.png")]));
        Assert.Equal(1, Program.Execute(new EmbedCommand(), ["--model", tmp.Path, "--image", tmp.File("notes.png")]));
        Assert.Equal(1, Program.Execute(new EmbedCommand(), ["--model", tmp.Path, "--image", tmp.File("missing.jpg")]));
        Assert.Equal(2, Program.Execute(new ClassifyCommand(), ["--model", tmp.Path, "--image", image, "--labels", " , "]));
        Assert.Equal(1, Program.Execute(new ClassifyCommand(), ["--model", "/no/model", "--image", image, "--labels", "a"]));
        Assert.Equal(1, Program.Execute(new ClassifyCommand(), ["--model", FixturePaths.Path("tokenizer"), "--image", image, "--labels", "a"]));
        string longText = string.Join(" ", Enumerable.Repeat("word", 40));
        Assert.Equal(1, Program.Execute(new EmbedCommand(), ["--model", tmp.Path, "--text", longText]));
        Assert.Equal(0, Program.Execute(new EmbedCommand(), ["--model", tmp.Path, "--text", longText, "--truncate", "--json"]));
        Assert.Equal(2, Program.Execute(new EmbedCommand(), ["--model", tmp.Path]));
        Assert.Equal(2, Program.Execute(new EmbedCommand(), ["--model", tmp.Path, "--text", "x", "--output", "x.npy"]));
        Assert.Equal(2, Program.Execute(new TokenizeCommand(), ["--model", tmp.Path]));
        // no tokenizer in the folder; then a tokenizer that does not belong to the checkpoint (ids beyond its vocabulary)
        Assert.Equal(1, Program.Execute(new EmbedCommand(), ["--model", FixturePaths.Path("siglip-tiny"), "--text", "x"]));
        using var mismatched = new TempDirectory();
        foreach (var file in new[] { "config.json", "model.safetensors", "preprocessor_config.json" })
            File.Copy(FixturePaths.Path("siglip-tiny", file), mismatched.File(file));
        File.Copy(FixturePaths.Path("tokenizer", "spm-gemma-like.model"), mismatched.File("tokenizer.model"));
        var e = Assert.Throws<Siglip2Exception>(() =>
        {
            using var p = Siglip2.Tasks.EmbeddingPipeline.Load(mismatched.Path);
            using var _ = p.EmbedTexts(p.TextProcessor.Process(["schrödinger's unusual cat"]));
        });
        Assert.Contains("config.json's text vocab_size is 1,000", e.Message);
    }
}
