using System.Diagnostics;
using Siglip2.Processing.Text;
using Xunit.Abstractions;

namespace Siglip2.Tests.Processing.Text;

/// <summary>The tokenizer.json backend against goldens from the Rust Hugging Face tokenizers library.</summary>
[Collection(TokenizerCollection.Name)]
public sealed class HuggingFaceBpeTokenizerTests(TokenizerFixture fx, ITestOutputHelper output)
{
    [Fact]
    public void Gemma3_ids_tokens_and_decode_match_hf_tokenizers()
    {
        var t = fx.Gemma3;
        CaseComparison.AssertAllMatch(output, "gemma3 ids", fx.Gemma3Cases, c => c.Ids, c => t.Encode(c.Text));
        CaseComparison.AssertAllMatch(output, "gemma3 tokens", fx.Gemma3Cases, c => c.Pieces, c => t.Encode(c.Text).Select(t.IdToPiece).ToArray());
        CaseComparison.AssertAllMatch(output, "gemma3 decoded", fx.Gemma3Cases, c => c.Decoded, c => t.Decode(c.Ids));
    }

    [Fact]
    public void Gemma256k_ids_tokens_and_decode_match_hf_tokenizers()
    {
        var t = fx.Gemma256k;
        CaseComparison.AssertAllMatch(output, "gemma256k ids", fx.Gemma256kCases, c => c.Ids, c => t.Encode(c.Text));
        CaseComparison.AssertAllMatch(output, "gemma256k tokens", fx.Gemma256kCases, c => c.Pieces, c => t.Encode(c.Text).Select(t.IdToPiece).ToArray());
        CaseComparison.AssertAllMatch(output, "gemma256k decoded", fx.Gemma256kCases, c => c.Decoded, c => t.Decode(c.Ids));
    }

    [Fact]
    public void Gemma256k_has_the_siglip2_vocabulary_and_special_ids()
    {
        var t = fx.Gemma256k;
        Assert.Equal(256_000, t.VocabularySize);
        Assert.Equal((0, 1, 2, 3), (t.PieceToId("<pad>"), t.PieceToId("<eos>"), t.PieceToId("<bos>"), t.PieceToId("<unk>")));
        Assert.Equal(106, t.PieceToId("<start_of_turn>"));
        Assert.Equal(235248, t.PieceToId("\u2581"));
        Assert.False(t.HasLowercaseNormalizer);
    }

    [Fact]
    public void Added_tokens_typed_in_text_are_matched_like_hf()
    {
        // HF matches special tokens in raw text (unlike SentencePiece): README's special_like_control → [2, 23391, 1, 0].
        Assert.Equal([2, 23391, 1, 0], fx.Gemma3.Encode("<bos>hello<eos><pad>"));
    }

    [Fact]
    public void Loading_the_256k_file_is_fast_and_cached()
    {
        // A fresh (uncached) parse of the 256k file, 580k merges: the brief asks for about 1–2 s.
        var sw = Stopwatch.StartNew();
        var fresh = HuggingFaceBpeTokenizer.Load(TokenizerFixture.Folder("gemma256k", "tokenizer.json.gz"));
        sw.Stop();
        output.WriteLine($"gemma256k tokenizer.json.gz load: {sw.ElapsedMilliseconds} ms");
        Assert.Equal(fx.Gemma256k.Encode("a photo of a cat"), fresh.Encode("a photo of a cat"));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(6), $"load took {sw.ElapsedMilliseconds} ms");
        Assert.Same(fx.Gemma256k, TextTokenizerLoader.LoadFile(TokenizerFixture.Folder("gemma256k", "tokenizer.json.gz")));
    }

    [Fact]
    public void Plain_json_and_gzipped_json_give_the_same_tokenizer()
    {
        string dir = Directory.CreateTempSubdirectory("siglip2-tokjson-").FullName;
        try
        {
            string path = Path.Combine(dir, "tokenizer.json");
            File.WriteAllText(path, TinyTokenizerJson(lowercase: false));
            var t = TextTokenizerLoader.LoadFile(path);
            // vocab: a b c ab ▁ <0x..> ; merge "a b" → ab
            Assert.Equal([t.PieceToId("ab")!.Value, t.PieceToId("\u2581")!.Value, t.PieceToId("c")!.Value], t.Encode("ab c"));
            string gz = Path.Combine(dir, "tokenizer.json.gz");
            using (var f = File.Create(gz))
            using (var z = new System.IO.Compression.GZipStream(f, System.IO.Compression.CompressionLevel.Fastest))
                z.Write(File.ReadAllBytes(path));
            Assert.Equal(t.Encode("ab c"), TextTokenizerLoader.LoadFile(gz).Encode("ab c"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Lowercase_normalizer_is_applied_unless_disabled()
    {
        string dir = Directory.CreateTempSubdirectory("siglip2-tokjson-").FullName;
        try
        {
            string path = Path.Combine(dir, "tokenizer.json");
            File.WriteAllText(path, TinyTokenizerJson(lowercase: true));
            var withLower = HuggingFaceBpeTokenizer.Load(path);
            Assert.True(withLower.HasLowercaseNormalizer);
            Assert.Equal(withLower.Encode("ab"), withLower.Encode("AB"));
            var without = HuggingFaceBpeTokenizer.Load(path, applyLowercaseNormalizer: false);
            Assert.NotEqual(without.Encode("ab"), without.Encode("AB")); // "A", "B" are not in the vocab → byte fallback
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Corrupt_or_unsupported_json_is_a_user_error()
    {
        string dir = Directory.CreateTempSubdirectory("siglip2-tokjson-").FullName;
        try
        {
            string path = Path.Combine(dir, "tokenizer.json");
            File.WriteAllText(path, "{\"model\": {\"type\": \"BPE\", \"vocab\": {");
            var e = Assert.Throws<Siglip2Exception>(() => HuggingFaceBpeTokenizer.Load(path));
            Assert.Contains(path, e.Message);
            File.WriteAllText(path, "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
            Assert.Contains("Unigram", Assert.Throws<Siglip2Exception>(() => HuggingFaceBpeTokenizer.Load(path)).Message);
            File.WriteAllBytes(Path.Combine(dir, "bad.json.gz"), [0x1F, 0x8B, 1, 2, 3]);
            Assert.Throws<Siglip2Exception>(() => HuggingFaceBpeTokenizer.Load(Path.Combine(dir, "bad.json.gz")));
        }
        finally { Directory.Delete(dir, true); }
    }

    internal static string TinyTokenizerJson(bool lowercase)
    {
        var vocab = new Dictionary<string, int> { ["<pad>"] = 0, ["<eos>"] = 1, ["<bos>"] = 2, ["<unk>"] = 3, ["a"] = 4, ["b"] = 5, ["c"] = 6, ["ab"] = 7, ["\u2581"] = 8 };
        for (int b = 0; b < 256; b++) vocab[$"<0x{b:X2}>"] = 9 + b;
        string replace = "{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"\u2581\"}";
        string normalizer = lowercase ? $"{{\"type\":\"Sequence\",\"normalizers\":[{{\"type\":\"Lowercase\"}},{replace}]}}" : replace;
        var model = new
        {
            type = "BPE", dropout = (object?)null, unk_token = "<unk>", fuse_unk = true, byte_fallback = true,
            vocab, merges = new[] { "a b" },
        };
        return "{\"added_tokens\":[{\"id\":1,\"content\":\"<eos>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}],"
            + $"\"normalizer\":{normalizer},\"pre_tokenizer\":null,"
            + "\"decoder\":{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"\u2581\"},\"content\":\" \"},{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"}]},"
            + "\"model\":" + System.Text.Json.JsonSerializer.Serialize(model) + "}";
    }
}
