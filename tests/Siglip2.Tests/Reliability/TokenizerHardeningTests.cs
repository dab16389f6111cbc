using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Siglip2.Configuration;
using Siglip2.Processing.Text;

namespace Siglip2.Tests.Reliability;

/// <summary>
/// Regression tests for the tokenizer cases of issue 10: special files, invalid UTF-8, duplicate keys and wrong types in
/// tokenizer_config.json, invalid ids in tokenizer.json, gzip bombs, corrupt SentencePiece protobufs and over-long texts.
/// Every malformed input is a <see cref="Siglip2Exception"/> naming the file and the field — never another exception type.
/// </summary>
public class TokenizerHardeningTests
{
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(20);

    /// <summary>A small valid tokenizer.json with the Gemma structure (BPE, byte fallback off, four special tokens).</summary>
    private static JsonObject SmallTokenizer() => JsonNode.Parse("""
        {
          "version": "1.0",
          "added_tokens": [
            {"id": 0, "content": "<pad>", "special": true},
            {"id": 1, "content": "<eos>", "special": true},
            {"id": 2, "content": "<bos>", "special": true},
            {"id": 3, "content": "<unk>", "special": true}
          ],
          "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
          "pre_tokenizer": null,
          "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "}, {"type": "Fuse"}]},
          "model": {
            "type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": false,
            "vocab": {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "\u2581": 4, "a": 5, "b": 6, "\u2581a": 7, "ab": 8, "\u2581ab": 9},
            "merges": ["\u2581 a", "a b", "\u2581a b"]
          }
        }
        """)!.AsObject();

    private static HuggingFaceBpeTokenizer Parse(JsonNode json) =>
        HuggingFaceBpeTokenizer.Parse(Encoding.UTF8.GetBytes(json.ToJsonString()), "t/tokenizer.json");

    private static string ParseError(JsonNode json)
    {
        var e = Assert.Throws<Siglip2Exception>(() => Parse(json));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("t/tokenizer.json", e.Message);
        return e.Message;
    }

    [Fact]
    public void TheSmallTokenizerIsValid()
    {
        var t = Parse(SmallTokenizer());
        Assert.Equal([8, 7], t.Encode("ab a")); // no prefix space in Gemma: "ab▁a"
        Assert.Equal(10, t.VocabularySize);
    }

    [Theory]
    [InlineData(-1, "outside 0…")]
    [InlineData(1e12, "outside 0…")]
    [InlineData(2.5, "must be an integer id")]
    public void VocabularyIdsMustIndexTheTable(double id, string expected)
    {
        var j = SmallTokenizer();
        j["model"]!["vocab"]!["b"] = id;
        string e = ParseError(j);
        Assert.Contains(expected, e);
        Assert.Contains("model.vocab['b']", e);
    }

    [Fact]
    public void VocabularyIdAsAStringIsAnError()
    {
        var j = SmallTokenizer();
        j["model"]!["vocab"]!["b"] = "6";
        Assert.Contains("must be an integer id", ParseError(j));
    }

    [Fact]
    public void TwoPiecesCannotShareAnId()
    {
        var j = SmallTokenizer();
        j["model"]!["vocab"]!["b"] = 5;
        Assert.Contains("maps two pieces to id 5", ParseError(j));
    }

    [Fact]
    public void AddedTokensOfTheWrongTypeAreAnError()
    {
        var j = SmallTokenizer();
        j["added_tokens"] = new JsonObject { ["id"] = 0, ["content"] = "<pad>" };
        Assert.Contains("added_tokens must be an array", ParseError(j));

        j = SmallTokenizer();
        j["added_tokens"]!.AsArray().Add("<extra>");
        Assert.Contains("added_tokens[4] must be an object", ParseError(j));

        j = SmallTokenizer();
        j["added_tokens"]!.AsArray().Add(new JsonObject { ["id"] = 10, ["content"] = 42 });
        Assert.Contains("added_tokens[4].content must be a string", ParseError(j));
    }

    [Fact]
    public void AnAddedTokenCannotTakeAnotherPiecesId()
    {
        var j = SmallTokenizer();
        j["added_tokens"]!.AsArray().Add(new JsonObject { ["id"] = 5, ["content"] = "<extra>" });
        Assert.Contains("two pieces cannot share an id", ParseError(j));
        // the same added token listed twice with two ids
        j = SmallTokenizer();
        j["added_tokens"]!.AsArray().Add(new JsonObject { ["id"] = 10, ["content"] = "<pad>" });
        Assert.Contains("again with id", ParseError(j));
    }

    [Fact]
    public void MalformedMergesAndDuplicateKeysAreErrors()
    {
        var j = SmallTokenizer();
        j["model"]!["merges"] = "a b";
        Assert.Contains("merges", ParseError(j));
        j = SmallTokenizer();
        j["model"]!["merges"]!.AsArray().Add(7);
        Assert.Contains("merge #3 is not a pair", ParseError(j));
        // a duplicate key in the vocabulary would silently keep one id
        string text = SmallTokenizer().ToJsonString().Replace("\"a\":5", "\"a\":5,\"a\":6", StringComparison.Ordinal);
        var e = Assert.Throws<Siglip2Exception>(() => HuggingFaceBpeTokenizer.Parse(Encoding.UTF8.GetBytes(text), "t/tokenizer.json"));
        Assert.Contains("duplicate", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void InvalidUtf8AndNonObjectsAreErrors()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(SmallTokenizer().ToJsonString());
        int at = Array.IndexOf(bytes, (byte)'a', 200);
        bytes[at] = 0xFF;
        var e = Assert.Throws<Siglip2Exception>(() => HuggingFaceBpeTokenizer.Parse(bytes, "t/tokenizer.json"));
        Assert.Contains("UTF-8", e.Message);
        Assert.Throws<Siglip2Exception>(() => HuggingFaceBpeTokenizer.Parse("[1,2]"u8.ToArray(), "t/tokenizer.json"));
        Assert.Throws<Siglip2Exception>(() => HuggingFaceBpeTokenizer.Parse("{\"model\": 3}"u8.ToArray(), "t/tokenizer.json"));
        Assert.Throws<Siglip2Exception>(() => HuggingFaceBpeTokenizer.Parse([], "t/tokenizer.json"));
    }

    [Fact]
    public void AGzipBombIsStoppedAtTheLimit()
    {
        using var tmp = new TempDirectory();
        string path = tmp.File("tokenizer.json.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.SmallestSize))
        {
            var zeros = new byte[1 << 20];
            for (long written = 0; written <= InputLimits.TokenizerBytes; written += zeros.Length) gz.Write(zeros);
        }
        Assert.True(new FileInfo(path).Length < 2 << 20); // small on disk
        var e = Assert.Throws<Siglip2Exception>(() => HuggingFaceBpeTokenizer.Load(path));
        Assert.Contains("decompressed tokenizer.json", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        // a truncated gzip is a clean error too
        byte[] good = File.ReadAllBytes(FixturePaths.Path("tokenizer", "gemma256k", "tokenizer.json.gz"));
        File.WriteAllBytes(path, good[..(good.Length / 2)]);
        Assert.Throws<Siglip2Exception>(() => HuggingFaceBpeTokenizer.Load(path));
    }

    [Theory]
    [InlineData("tokenizer.model")]
    [InlineData("tokenizer.json")]
    [InlineData("tokenizer_config.json")]
    public void AFifoAsATokenizerFileIsAnErrorNotAHang(string name)
    {
        using var tmp = new TempDirectory();
        string m = tmp.File("m");
        Directory.CreateDirectory(m);
        if (name == "tokenizer_config.json") File.Copy(FixturePaths.Path("tokenizer", "gemma256k", "tokenizer.json.gz"), Path.Combine(m, "tokenizer.json.gz"));
        CliRun.MakeFifo(Path.Combine(m, name));
        var r = CliRun.Main(HangLimit, "tokenize", "--model", m, "x");
        Assert.Equal(1, r.ExitCode);
        string e = r.OneLineError();
        Assert.Contains(name, e);
        Assert.Contains("FIFO", e);
    }

    [Fact]
    public void ATokenizerConfigThatIsAFolderIsAnError()
    {
        using var tmp = new TempDirectory();
        string m = tmp.File("m");
        Directory.CreateDirectory(m);
        File.Copy(FixturePaths.Path("tokenizer", "gemma256k", "tokenizer.json.gz"), Path.Combine(m, "tokenizer.json.gz"));
        Directory.CreateDirectory(Path.Combine(m, "tokenizer_config.json"));
        var r = CliRun.Main(HangLimit, "tokenize", "--model", m, "x");
        Assert.Equal(1, r.ExitCode);
        string e = r.OneLineError();
        Assert.Contains("tokenizer_config.json", e);
        Assert.Contains("folder", e);
    }

    [Theory]
    [InlineData("{\"add_bos_token\": \"yes\"}", "add_bos_token must be")]
    [InlineData("{\"model_max_length\": \"64\"}", "model_max_length must be")]
    [InlineData("{\"pad_token\": 3}", "pad_token must be")]
    [InlineData("{\"pad_token\": {\"content\": 3}}", "pad_token")]
    [InlineData("{\"add_bos_token\": true, \"add_bos_token\": false}", "duplicate")]
    [InlineData("[1]", "must be a JSON object")]
    [InlineData("{\"eos_token\": \"\\ud800\"}", "unpaired UTF-16 surrogate")]
    public void TokenizerConfigFieldsAreTyped(string json, string expected)
    {
        var e = Assert.Throws<Siglip2Exception>(() => TokenizerConfig.Parse(json, "m/tokenizer_config.json"));
        Assert.Contains(expected, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("m/tokenizer_config.json", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TokenizerConfigWithInvalidUtf8IsAnError()
    {
        using var tmp = new TempDirectory();
        string m = tmp.File("m");
        Directory.CreateDirectory(m);
        File.Copy(FixturePaths.Path("tokenizer", "gemma256k", "tokenizer.json.gz"), Path.Combine(m, "tokenizer.json.gz"));
        File.WriteAllBytes(Path.Combine(m, "tokenizer_config.json"), [.. "{\"eos_token\": \"<e"u8, 0xC3, 0x28, .. "os>\"}"u8]);
        var r = CliRun.Main(HangLimit, "tokenize", "--model", m, "x");
        Assert.Equal(1, r.ExitCode);
        string e = r.OneLineError();
        Assert.Contains("tokenizer_config.json", e);
        Assert.Contains("UTF-8", e);
    }

    /// <summary>
    /// Every truncation and many bit flips of a real SentencePiece model either parse to a model that tokenizes, or fail
    /// with a <see cref="Siglip2Exception"/> — never IndexOutOfRange, OverflowException or a wrong-type cast.
    /// </summary>
    [Fact]
    public void CorruptSentencePieceModelsAreCleanErrors()
    {
        byte[] good = File.ReadAllBytes(FixturePaths.Path("tokenizer", "spm-gemma-like.model"));
        int failures = 0, accepted = 0;
        void Try(byte[] data)
        {
            try
            {
                var tokenizer = new SentencePieceBpeTokenizer(SentencePieceModel.Parse(data, "m/tokenizer.model"));
                tokenizer.Encode("a photo of a cat");
                accepted++;
            }
            catch (Siglip2Exception e)
            {
                Assert.Contains("m/tokenizer.model", e.Message);
                Assert.DoesNotContain('\n', e.Message);
                failures++;
            }
        }
        int step = Math.Max(1, good.Length / 400);
        for (int n = 0; n < good.Length; n += step) Try(good[..n]);
        var random = new Random(10);
        for (int i = 0; i < 400; i++)
        {
            byte[] flipped = (byte[])good.Clone();
            for (int k = 0; k < 1 + i % 4; k++) flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
            Try(flipped);
        }
        Assert.True(failures > 0 && accepted > 0, $"{failures} rejected, {accepted} accepted");
    }

    [Fact]
    public void SentencePieceFieldErrorsNameTheField()
    {
        // ModelProto field 1 (pieces) holding a SentencePiece with type 9 (field 3, varint)
        byte[] badType = [0x0A, 0x05, 0x0A, 0x01, (byte)'a', 0x18, 0x09];
        var e = Assert.Throws<Siglip2Exception>(() => SentencePieceModel.Parse(badType, "m/tokenizer.model"));
        Assert.Contains("type 9", e.Message);
        // a length prefix running past the end
        e = Assert.Throws<Siglip2Exception>(() => SentencePieceModel.Parse([0x0A, 0x7F, 0x0A], "m/tokenizer.model"));
        Assert.Contains("m/tokenizer.model", e.Message);
    }

    [Fact]
    public void ATextOverTheCharacterLimitIsRefused()
    {
        using var tmp = new TempDirectory();
        File.WriteAllText(tmp.File("t.txt"), new string('a', InputLimits.TextCharacters + 1) + "\n");
        Directory.CreateDirectory(tmp.File("m")); // the tokenizer without its (language-model) config, which prints a warning
        File.Copy(FixturePaths.Path("tokenizer", "gemma256k", "tokenizer.json.gz"), tmp.File("m/tokenizer.json.gz"));
        var r = CliRun.Main("tokenize", "--model", tmp.File("m"), "--text-file", tmp.File("t.txt"), "--truncate");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("character limit", r.OneLineError());
    }
}
