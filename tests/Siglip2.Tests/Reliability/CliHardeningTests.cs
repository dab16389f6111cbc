using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Siglip2.Checkpoints;
using Siglip2.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Reliability;

/// <summary>
/// Regression tests for the command-line cases of issue 10: data loss, hangs on special files, non-finite results,
/// misleading messages, and texts from files. Every failure must be one clean line with exit 1 (input) or 2 (usage).
/// </summary>
public class CliHardeningTests
{
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(20);

    private static string CopyFixture(TempDirectory tmp, string fixture = "siglip-tiny", string name = "m")
    {
        string dir = tmp.File(name);
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.EnumerateFiles(FixturePaths.Path(fixture)))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }

    private static string Image(string model) => Directory.EnumerateFiles(model, "*.png").Order().First();

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void EmbedRefusesToWriteOverTheModelsWeights()
    {
        using var tmp = new TempDirectory();
        string m = CopyFixture(tmp);
        string weights = Path.Combine(m, "model.safetensors"), before = Hash(weights);
        var r = CliRun.Main("embed", "--model", m, "--image", Image(m), "--output", weights);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("would overwrite model.safetensors", r.OneLineError());
        Assert.Equal(before, Hash(weights));
        // a checkpoint file name that does not exist yet is refused too (it would change what the folder loads)
        Assert.Equal(2, CliRun.Main("embed", "--model", m, "--image", Image(m), "--output", Path.Combine(m, "model-00001-of-00002.safetensors")).ExitCode);
    }

    [Fact]
    public void PreprocessRefusesToWriteOverTheReferenceFileOrAnInput()
    {
        using var tmp = new TempDirectory();
        string m = CopyFixture(tmp);
        string expected = Path.Combine(m, "expected.safetensors"), before = Hash(expected);
        var r = CliRun.Main("preprocess", "--model", m, "--image", Image(m), "--output", expected);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(before, Hash(expected));
        // the same file through a symbolic link: compared by inode, not by name
        File.Copy(Image(m), tmp.File("in.png"));
        File.CreateSymbolicLink(tmp.File("alias.safetensors"), tmp.File("in.png"));
        string imageBefore = Hash(tmp.File("in.png"));
        r = CliRun.Main("preprocess", "--model", m, "--image", tmp.File("in.png"), "--output", tmp.File("alias.safetensors"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is also an input", r.OneLineError());
        Assert.Equal(imageBefore, Hash(tmp.File("in.png")));
        // a fresh output next to the inputs is fine, and leaves no temporary file behind
        Assert.Equal(0, CliRun.Main("preprocess", "--model", m, "--image", tmp.File("in.png"), "--output", tmp.File("px.safetensors")).ExitCode);
        Assert.Empty(Directory.EnumerateFiles(tmp.Path, "*.tmp"));
    }

    [Fact]
    public void OutputUnderAFileSaysSoInsteadOfAlreadyExists()
    {
        using var tmp = new TempDirectory();
        string m = CopyFixture(tmp);
        var r = CliRun.Main("embed", "--model", m, "--image", Image(m), "--output", Path.Combine(Image(m), "x.safetensors"));
        Assert.Equal(2, r.ExitCode);
        string e = r.OneLineError();
        Assert.Contains("is a file, not a folder", e);
        Assert.DoesNotContain("already exists", e);
    }

    [Theory]
    [InlineData("image")]
    [InlineData("image-in-folder")]
    [InlineData("config.json")]
    [InlineData("preprocessor_config.json")]
    [InlineData("model.safetensors")]
    public void AFifoIsAnErrorNotAHang(string where)
    {
        using var tmp = new TempDirectory();
        string m = CopyFixture(tmp);
        string image = Image(m);
        string[] args;
        switch (where)
        {
            case "image":
                CliRun.MakeFifo(tmp.File("pipe.png"));
                args = ["embed", "--model", m, "--image", tmp.File("pipe.png")];
                break;
            case "image-in-folder":
                Directory.CreateDirectory(tmp.File("photos"));
                File.Copy(image, tmp.File("photos/a.png"));
                CliRun.MakeFifo(tmp.File("photos/b.png"));
                args = ["embed", "--model", m, "--image", tmp.File("photos")];
                break;
            default:
                File.Delete(Path.Combine(m, where));
                CliRun.MakeFifo(Path.Combine(m, where));
                args = ["embed", "--model", m, "--image", image];
                break;
        }
        var r = CliRun.Main(HangLimit, args);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("FIFO", r.OneLineError());
    }

    [Fact]
    public void ADeviceAsAnImageIsRefusedAtOnce()
    {
        using var tmp = new TempDirectory();
        string m = CopyFixture(tmp);
        var r = CliRun.Main(HangLimit, "embed", "--model", m, "--image", "/dev/zero");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("character device", r.OneLineError());
    }

    [Fact]
    public void ConfigJsonThatIsAFolderIsNamedOnce()
    {
        using var tmp = new TempDirectory();
        string m = CopyFixture(tmp);
        File.Delete(Path.Combine(m, "config.json"));
        Directory.CreateDirectory(Path.Combine(m, "config.json"));
        var r = CliRun.Main("embed", "--model", m, "--image", Image(m));
        Assert.Equal(1, r.ExitCode);
        string e = r.OneLineError();
        Assert.Contains("is a folder", e);
        Assert.DoesNotContain("config.json/config.json", e);
    }

    [Fact]
    public void DuplicateKeysInConfigJsonAreRejected()
    {
        using var tmp = new TempDirectory();
        string m = CopyFixture(tmp);
        string path = Path.Combine(m, "config.json");
        string json = File.ReadAllText(path);
        File.WriteAllText(path, "{\"model_type\": \"siglip_vision_model\", " + json.TrimStart()[1..]);
        var r = CliRun.Main("embed", "--model", m, "--image", Image(m));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Duplicate property 'model_type'", r.OneLineError());
    }

    [Fact]
    public void PreprocessorConfigErrorsAreOneLine()
    {
        using var tmp = new TempDirectory();
        string m = CopyFixture(tmp);
        string path = Path.Combine(m, "preprocessor_config.json");
        var original = JsonNode.Parse(File.ReadAllText(path))!.AsObject();

        var wrongMean = original.DeepClone().AsObject();
        wrongMean["image_mean"] = new JsonArray(0.5, 0.5);
        File.WriteAllText(path, wrongMean.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        var r = CliRun.Main("embed", "--model", m, "--image", Image(m));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("\"image_mean\": [0.5,0.5]", r.OneLineError());

        // 255 × 1e308 overflows float32: would give Inf pixels and NaN embeddings
        var hugeRescale = original.DeepClone().AsObject();
        hugeRescale["rescale_factor"] = 1e308;
        File.WriteAllText(path, hugeRescale.ToJsonString());
        r = CliRun.Main("embed", "--model", m, "--image", Image(m), "--output", tmp.File("e.safetensors"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("rescale_factor", r.OneLineError());
        Assert.False(File.Exists(tmp.File("e.safetensors")));
    }

    /// <summary>Rewrites the fixture's weights through <paramref name="edit"/> (name, tensor) → tensor.</summary>
    private static void EditWeights(string model, Func<string, Tensor, Tensor> edit)
    {
        string path = Path.Combine(model, "model.safetensors");
        Dictionary<string, Tensor> tensors;
        using (var f = SafeTensorsFile.Open(path))
            tensors = f.Tensors.Keys.ToDictionary(k => k, k => edit(k, f.ReadTensor(k)));
        SafeTensorsWriter.Save(path, tensors);
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Fact]
    public void FiniteButOverflowingWeightsNeverGiveNonFiniteEmbeddings()
    {
        using var tmp = new TempDirectory();
        string m = CopyFixture(tmp);
        // finite weights (passes any NaN/Inf check at load) whose activations overflow float32
        EditWeights(m, (name, t) => name.Contains("patch_embedding.weight") ? torch.full_like(t, 3e38f) : t);
        var r = CliRun.Main("embed", "--model", m, "--image", Image(m), "--output", tmp.File("e.safetensors"), "--json");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("non-finite image embedding", r.OneLineError());
        Assert.False(File.Exists(tmp.File("e.safetensors")));
        Assert.DoesNotContain("NaN", r.StdOut);
    }

    /// <summary>
    /// A NaN or Inf anywhere in the weights is found at load, before any output: one NaN in an MLP weight, an all-NaN
    /// LayerNorm, a NaN logit_scale, an Inf logit_bias, a NaN row of the token embedding. The message names the tensor.
    /// </summary>
    [Theory]
    [InlineData("vision_model.encoder.layers.0.mlp.fc1.weight", "one-nan")]
    [InlineData("vision_model.post_layernorm.weight", "all-nan")]
    [InlineData("logit_scale", "all-nan")]
    [InlineData("logit_bias", "inf")]
    [InlineData("text_model.embeddings.token_embedding.weight", "nan-row")]
    public void NonFiniteWeightsAreNamedAtLoad(string tensor, string kind)
    {
        using var tmp = new TempDirectory();
        string m = CopyFixture(tmp);
        EditWeights(m, (name, t) =>
        {
            if (name != tensor) return t;
            var c = t.clone();
            switch (kind)
            {
                case "one-nan": c.view(-1)[3] = torch.tensor(float.NaN); break;
                case "all-nan": c.fill_(float.NaN); break;
                case "inf": c.fill_(float.PositiveInfinity); break;
                case "nan-row": c[7].fill_(float.NaN); break;
            }
            return c;
        });
        var r = CliRun.Main("embed", "--model", m, "--image", Image(m), "--output", tmp.File("e.safetensors"));
        Assert.Equal(1, r.ExitCode);
        string e = r.OneLineError();
        Assert.Contains("non-finite values", e);
        Assert.Contains(tensor, e);
        Assert.Contains(kind == "inf" ? "Inf" : "NaN", e);
        Assert.False(File.Exists(tmp.File("e.safetensors")));
        // classify uses logit_scale/logit_bias: it must refuse too, not print NaN probabilities
        var c = CliRun.Main("classify", "--model", m, "--image", Image(m), "--labels", "a,b");
        Assert.NotEqual(0, c.ExitCode);
        Assert.DoesNotContain("NaN", c.StdOut);
    }

    /// <summary>A negative, NaN or non-numeric tolerance in manifest.json would make verify pass or fail meaninglessly.</summary>
    [Theory]
    [InlineData("-1e-5", "must be a finite number ≥ 0")]
    [InlineData("\"1e-5\"", "must be a finite number ≥ 0")]
    [InlineData("1e999", "")]
    public void ManifestTolerancesMustBeFiniteAndNonNegative(string atol, string expected)
    {
        using var tmp = new TempDirectory();
        string m = CopyFixture(tmp);
        string path = Path.Combine(m, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        string first = manifest["tensors"]!.AsObject().First(t => t.Value!["suggested_atol"] is not null).Key;
        manifest["tensors"]![first]!["suggested_atol"] = 12345.5; // a marker replaced as text: 1e999 has no JSON node
        File.WriteAllText(path, manifest.ToJsonString().Replace("12345.5", atol, StringComparison.Ordinal));
        var r = CliRun.Main("verify", "--model", m);
        Assert.Equal(1, r.ExitCode);
        string e = r.OneLineError();
        Assert.Contains("manifest.json", e);
        Assert.Contains($"tensors.{first}.suggested_atol", e);
        Assert.Contains(expected, e);
        // an explicit --atol must be valid too, and replaces the manifest
        Assert.Equal(2, CliRun.Main("verify", "--model", m, "--atol", "-1").ExitCode);
        Assert.Equal(0, CliRun.Main("verify", "--model", m, "--atol", "1e-4").ExitCode);
    }

    [Fact]
    public void ADoubleDashMakesHelpAText()
    {
        var r = CliRun.Main("tokenize", "--model", FixturePaths.Path("tokenizer", "gemma256k"), "--json", "--", "--help");
        Assert.Equal(0, r.ExitCode);
        var items = JsonNode.Parse(r.StdOut)!.AsArray();
        Assert.Equal("--help", (string)items.Single()!["text"]!);
        Assert.DoesNotContain("usage:", r.StdOut);
        // without the double dash --help is still help
        Assert.Contains("usage:", CliRun.Main("tokenize", "--help").StdOut);
    }

    [Fact]
    public void TextFileGivesOneTextPerLine()
    {
        using var tmp = new TempDirectory();
        // CRLF, a blank line, a comma inside a text, and a text longer than any argument limit would allow
        string longText = string.Join(" ", Enumerable.Repeat("lorem ipsum", 20_000));
        File.WriteAllText(tmp.File("texts.txt"), "a photo of a cat\r\n\nred, blue and green\n" + longText + "\n");
        var r = CliRun.Main("tokenize", "--model", FixturePaths.Path("tokenizer", "gemma256k"), "--text-file", tmp.File("texts.txt"), "--truncate", "--json");
        Assert.Equal(0, r.ExitCode);
        var items = JsonNode.Parse(r.StdOut)!.AsArray();
        Assert.Equal(["a photo of a cat", "red, blue and green", longText], items.Select(i => (string)i!["text"]!).ToArray());
        Assert.True((bool)items[2]!["truncated"]!);

        File.WriteAllBytes(tmp.File("bad.txt"), [0x61, 0xFF, 0x62]);
        var bad = CliRun.Main("tokenize", "--model", FixturePaths.Path("tokenizer", "gemma256k"), "--text-file", tmp.File("bad.txt"));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("not valid UTF-8", bad.OneLineError());
        File.WriteAllText(tmp.File("empty.txt"), "\n\n");
        Assert.Equal(1, CliRun.Main("tokenize", "--model", FixturePaths.Path("tokenizer", "gemma256k"), "--text-file", tmp.File("empty.txt")).ExitCode);
    }
}
