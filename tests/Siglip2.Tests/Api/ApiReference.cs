using System.Buffers.Binary;
using System.Text.Json;

namespace Siglip2.Tests.Api;

/// <summary>
/// The Hugging Face reference data of a tiny fixture, read here with a parser of its own (no code of the library), and
/// a copy of the fixture with a tokenizer that turns known strings into exactly the reference input_ids.
/// </summary>
public static class ApiReference
{
    public const string Fixed = "siglip-tiny";
    public const string NaFlex = "siglip2-naflex-tiny";

    /// <summary>The fixture's images, in the order of the reference tensors.</summary>
    public static string[] Images(string fixture)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.Path(fixture, "manifest.json")));
        return doc.RootElement.GetProperty("files").GetProperty("images").EnumerateArray()
            .Select(i => FixturePaths.Path(fixture, i.GetProperty("file").GetString()!)).ToArray();
    }

    /// <summary>The manifest's suggested absolute tolerance of a reference tensor.</summary>
    public static double Tolerance(string fixture, string tensor)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.Path(fixture, "manifest.json")));
        return doc.RootElement.GetProperty("tensors").GetProperty(tensor).GetProperty("suggested_atol").GetDouble();
    }

    /// <summary>A 2-D tensor of expected.safetensors (F32 or I64) as rows of doubles.</summary>
    public static double[][] Expected(string fixture, string tensor) => Rows(FixturePaths.Path(fixture, "expected.safetensors"), tensor);

    /// <summary>A scalar (one-element) F32 weight of model.safetensors, e.g. logit_scale.</summary>
    public static double Weight(string fixture, string tensor) => Rows(FixturePaths.Path(fixture, "model.safetensors"), tensor).Single().Single();

    private static double[][] Rows(string path, string name)
    {
        byte[] file = File.ReadAllBytes(path);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(file);
        using var header = JsonDocument.Parse(file.AsMemory(8, (int)headerLength));
        var entry = header.RootElement.GetProperty(name);
        string dtype = entry.GetProperty("dtype").GetString()!;
        long[] shape = entry.GetProperty("shape").EnumerateArray().Select(s => s.GetInt64()).ToArray();
        long begin = 8 + headerLength + entry.GetProperty("data_offsets")[0].GetInt64();
        int width = dtype switch { "F32" => 4, "I64" => 8, _ => throw new NotSupportedException(dtype) };
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var values = new double[count];
        for (long i = 0; i < count; i++)
        {
            var bytes = file.AsSpan((int)(begin + i * width), width);
            values[i] = width == 4 ? BinaryPrimitives.ReadSingleLittleEndian(bytes) : BinaryPrimitives.ReadInt64LittleEndian(bytes);
        }
        long columns = shape.Length >= 2 ? shape[^1] : count;
        return Enumerable.Range(0, (int)(count / Math.Max(columns, 1))).Select(r => values.AsSpan(r * (int)columns, (int)columns).ToArray()).ToArray();
    }

    /// <summary>The piece of a content id in <see cref="WriteCharacterTokenizer"/>'s vocabulary: one CJK character per id.</summary>
    private static char Piece(long id) => (char)(0x4E00 + id);

    /// <summary>
    /// A copy of the fixture (config, weights, processor config) plus a tokenizer.json whose vocabulary is one character per
    /// id (&lt;pad&gt; = 0, &lt;eos&gt; = 1), so <see cref="ReferenceTexts"/> tokenize to exactly the reference input_ids.
    /// </summary>
    public static TempDirectory FolderWithTokenizer(string fixture)
    {
        var dir = new TempDirectory();
        foreach (var file in new[] { "config.json", "model.safetensors", "preprocessor_config.json" })
            File.Copy(FixturePaths.Path(fixture, file), dir.File(file));
        WriteCharacterTokenizer(dir.File("tokenizer.json"));
        return dir;
    }

    private static void WriteCharacterTokenizer(string path)
    {
        var vocab = new Dictionary<string, int> { ["<pad>"] = 0, ["<eos>"] = 1 };
        for (int id = 2; id < 1000; id++) vocab[Piece(id).ToString()] = id;
        File.WriteAllText(path, JsonSerializer.Serialize(new { model = new { type = "BPE", vocab, merges = Array.Empty<string>() } }));
    }

    /// <summary>The texts whose ids (content up to EOS) are the fixture's reference input_ids rows.</summary>
    public static string[] ReferenceTexts(string fixture) =>
        Expected(fixture, "input_ids").Select(row => new string(row.TakeWhile(id => id != 1).Select(id => Piece((long)id)).ToArray())).ToArray();

    public static double MaxAbsDiff(IReadOnlyList<float[]> actual, double[][] expected)
    {
        Assert.Equal(expected.Length, actual.Count);
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (int j = 0; j < expected[i].Length; j++) max = Math.Max(max, Math.Abs(actual[i][j] - expected[i][j]));
        }
        return max;
    }

    /// <summary>Asserts that <paramref name="actual"/> equals the reference tensor's rows [from, rows) (default: all) within the manifest's tolerance.</summary>
    public static void AssertClose(IReadOnlyList<float[]> actual, string fixture, string tensor, int? rows = null, int from = 0)
    {
        var expected = Expected(fixture, tensor);
        double error = MaxAbsDiff(actual, expected[from..(rows ?? expected.Length)]);
        double tolerance = Tolerance(fixture, tensor);
        Assert.True(error <= tolerance, $"{fixture} {tensor}: max abs error {error:G3} > {tolerance:G3}");
    }

    /// <summary>sigmoid(exp(logit_scale)·⟨image, text⟩ + logit_bias), in double, from the reference embeddings and the weights.</summary>
    public static (double Logit, double Probability) ReferenceScore(string fixture, int image, int text)
    {
        var img = Expected(fixture, "image_embeds")[image];
        var txt = Expected(fixture, "text_embeds")[text];
        double dot = 0;
        for (int k = 0; k < img.Length; k++) dot += img[k] * txt[k];
        double logit = Math.Exp(Weight(fixture, "logit_scale")) * dot + Weight(fixture, "logit_bias");
        return (logit, 1 / (1 + Math.Exp(-logit)));
    }
}
