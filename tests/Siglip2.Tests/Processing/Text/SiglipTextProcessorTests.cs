using Siglip2.Processing.Text;
using TorchSharp;
using Xunit.Abstractions;

namespace Siglip2.Tests.Processing.Text;

/// <summary>The SigLIP 2 text pipeline (lowercase → encode → 63 + EOS → pad to 64) against the fixtures' pipeline goldens.</summary>
[Collection(TokenizerCollection.Name)]
public sealed class SiglipTextProcessorTests(TokenizerFixture fx, ITestOutputHelper output)
{
    [Fact]
    public void Spm_pipeline_ascii_lowercase_matches_goldens() =>
        CaseComparison.AssertAllMatch(output, "spm siglip_ascii_lower_ids", fx.SpmCases, c => c.SiglipAsciiLowerIds,
            c => new SiglipTextProcessor(fx.Spm, new SiglipTextSettings()).Process(c.Text).Ids);

    [Fact]
    public void Spm_pipeline_unicode_lowercase_matches_goldens() =>
        CaseComparison.AssertAllMatch(output, "spm siglip_unicode_lower_ids", fx.SpmCases, c => c.SiglipUnicodeLowerIds,
            c => new SiglipTextProcessor(fx.Spm, new SiglipTextSettings(Lowercase: LowercaseMode.Unicode)).Process(c.Text).Ids);

    [Fact]
    public void Gemma3_pipeline_matches_goldens() =>
        CaseComparison.AssertAllMatch(output, "gemma3 siglip_style_ascii_lower_ids", fx.Gemma3Cases, c => c.SiglipAsciiLowerIds,
            c => new SiglipTextProcessor(fx.Gemma3, new SiglipTextSettings()).Process(c.Text).Ids);

    [Fact]
    public void Gemma256k_folder_pipeline_matches_goldens_and_ignores_the_language_model_config()
    {
        // The folder holds tokenizer.json.gz and Gemma's LM tokenizer_config.json (add_bos_token true): the loader must
        // fall back to the SigLIP 2 rule (no BOS, EOS 1, PAD 0, length 64) and say so.
        var p = SiglipTextProcessor.FromFolder(TokenizerFixture.Folder("gemma256k"));
        Assert.Equal(new SiglipTextSettings(64, LowercaseMode.Ascii, 1, 0, null), p.Settings);
        Assert.Contains(p.Notes, n => n.Contains("language-model config"));
        foreach (var n in p.Notes) output.WriteLine("note: " + n);
        CaseComparison.AssertAllMatch(output, "gemma256k siglip_style_ascii_lower_ids (FromFolder)", fx.Gemma256kCases, c => c.SiglipAsciiLowerIds,
            c => p.Process(c.Text).Ids);
    }

    [Fact]
    public void Gemma3_folder_uses_eos_not_the_lm_end_of_turn()
    {
        // Gemma 3's LM config names eos_token <end_of_turn> (106); the SigLIP rule appends <eos> (1).
        var p = SiglipTextProcessor.FromFolder(TokenizerFixture.Folder("gemma3"));
        Assert.Equal(1, p.Settings.EosId);
        Assert.Null(p.Settings.BosId);
    }

    [Fact]
    public void Long_text_is_truncated_to_63_tokens_plus_sticky_eos_and_flagged()
    {
        var p = new SiglipTextProcessor(fx.Gemma256k, new SiglipTextSettings());
        foreach (var c in fx.Gemma256kCases.Where(c => c.Id.StartsWith("long_")))
        {
            var r = p.Process(c.Text);
            int content = c.Ids.Length; // fixture ids have no special tokens
            output.WriteLine($"{c.Id}: {content} content tokens, truncated={r.Truncated}");
            Assert.Equal(content, r.TokenCount);
            Assert.Equal(content > 63, r.Truncated);
            Assert.Equal(Math.Min(content, 63), r.KeptTokenCount);
            Assert.Equal(64, r.Ids.Length);
            if (r.Truncated) Assert.Equal(1L, r.Ids[63]);
        }
        var longest = p.Process(string.Join(' ', Enumerable.Repeat("word", 100)));
        Assert.True(longest.Truncated);
        Assert.Equal(100, longest.TokenCount);
        Assert.Equal(1L, longest.Ids[^1]);
        Assert.DoesNotContain(0L, longest.Ids);
        Assert.Equal(64, longest.Pieces.Length);
        Assert.Equal("<eos>", longest.Pieces[^1]);
    }

    [Fact]
    public void Short_text_is_eos_then_right_padding_and_pieces_cover_the_unpadded_part()
    {
        var p = new SiglipTextProcessor(fx.Gemma256k, new SiglipTextSettings());
        var r = p.Process("A photo of a CAT");
        // Independent expectation: the fixture tokenizer's own ids of the lowercased text.
        int[] content = fx.Gemma256k.Encode("a photo of a cat");
        Assert.Equal(content.Select(i => (long)i).Append(1L).Concat(Enumerable.Repeat(0L, 63 - content.Length)), r.Ids);
        Assert.False(r.Truncated);
        Assert.Equal(content.Select(fx.Gemma256k.IdToPiece).Append("<eos>"), r.Pieces);
    }

    [Fact]
    public void Bos_and_length_settings_are_honoured()
    {
        var p = new SiglipTextProcessor(fx.Spm, new SiglipTextSettings(Length: 8, BosId: 2));
        var r = p.Process("one two three four five six seven eight");
        Assert.Equal(8, r.Ids.Length);
        Assert.Equal(2L, r.Ids[0]);
        Assert.Equal(1L, r.Ids[7]);
        Assert.Equal(6, r.KeptTokenCount);
        Assert.True(r.Truncated);
        var noEos = new SiglipTextProcessor(fx.Spm, new SiglipTextSettings(Length: 4, EosId: null)).Process("a b c d e");
        Assert.Equal(fx.Spm.Encode("a b c d e").Take(4).Select(i => (long)i), noEos.Ids);
        Assert.Throws<Siglip2Exception>(() => new SiglipTextProcessor(fx.Spm, new SiglipTextSettings(Length: 1)));
        Assert.Throws<Siglip2Exception>(() => new SiglipTextProcessor(fx.Spm, new SiglipTextSettings(EosId: 999_999)));
    }

    [Fact]
    public void Batch_ids_and_tensor_are_b_by_l_int64()
    {
        var p = new SiglipTextProcessor(fx.Spm, new SiglipTextSettings());
        var batch = p.Process(["a cat", "", string.Join(' ', Enumerable.Repeat("dog", 80))]);
        Assert.Equal(3 * 64, batch.Ids.Length);
        Assert.True(batch.AnyTruncated);
        Assert.Equal(batch.Items[1].Ids, batch.Ids[64..128]);
        using var t = batch.ToTensor();
        Assert.Equal(torch.int64, t.dtype);
        Assert.Equal([3L, 64L], t.shape);
        Assert.Equal(batch.Ids, t.data<long>().ToArray());
    }

    [Theory]
    [InlineData("Hello WORLD", "hello world", "hello world")]
    [InlineData("ÀÉÎ Straße", "ÀÉÎ straße", "àéî straße")]
    [InlineData("ПРИВЕТ ΣΑΣ", "ПРИВЕТ ΣΑΣ", "привет σασ")] // no final-sigma rule: Σ → σ everywhere
    [InlineData("İSTANBUL", "İstanbul", "i\u0307stanbul")] // U+0130's full mapping is i + U+0307
    [InlineData("\U00010400x", "\U00010400x", "\U00010428x")] // Deseret capital long I → small (supplementary plane)
    public void Lowercase_variants(string input, string ascii, string unicode)
    {
        Assert.Equal(ascii, TextLowercasing.Apply(input, LowercaseMode.Ascii));
        Assert.Equal(unicode, TextLowercasing.Apply(input, LowercaseMode.Unicode));
        Assert.Equal(input, TextLowercasing.Apply(input, LowercaseMode.None));
    }

    [Fact]
    public void Folder_without_tokenizer_names_the_folder_and_the_expected_files()
    {
        string dir = Directory.CreateTempSubdirectory("siglip2-notok-").FullName;
        try
        {
            var e = Assert.Throws<Siglip2Exception>(() => SiglipTextProcessor.FromFolder(dir));
            Assert.Contains(dir, e.Message);
            Assert.Contains("tokenizer.json", e.Message);
            Assert.Contains("tokenizer.model", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Throws<Siglip2Exception>(() => SiglipTextProcessor.FromFolder(Path.Combine(dir, "missing")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Folder_prefers_tokenizer_json_and_reads_siglip_config_and_model_length()
    {
        string dir = Directory.CreateTempSubdirectory("siglip2-folder-").FullName;
        try
        {
            File.Copy(TokenizerFixture.Folder("spm-gemma-like.model"), Path.Combine(dir, "tokenizer.model"));
            // tokenizer.model only → SentencePiece; no config → SigLIP 2 defaults.
            var p = SiglipTextProcessor.FromFolder(dir);
            Assert.IsType<SentencePieceBpeTokenizer>(p.Tokenizer);
            Assert.Equal(new SiglipTextSettings(), p.Settings);

            // A SigLIP 2 style tokenizer_config.json (as the converter writes it) and config.json's text length.
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"),
                "{\"add_bos_token\": false, \"add_eos_token\": true, \"eos_token\": \"<eos>\", \"pad_token\": {\"content\": \"<pad>\"}, \"padding_side\": \"right\", \"model_max_length\": 64}");
            File.WriteAllText(Path.Combine(dir, "config.json"), "{\"text_config\": {\"max_position_embeddings\": 16}}");
            p = SiglipTextProcessor.FromFolder(dir);
            Assert.Equal(new SiglipTextSettings(16, LowercaseMode.Ascii, 1, 0, null), p.Settings);
            Assert.Empty(p.Notes);
            Assert.Equal(32, SiglipTextProcessor.FromFolder(dir, new SiglipTextOptions { Length = 32 }).Settings.Length);

            // An explicit non-LM config with BOS and EOS is honoured.
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\"add_bos_token\": true, \"add_eos_token\": true}");
            Assert.Equal(2, SiglipTextProcessor.FromFolder(dir).Settings.BosId);

            // A special token missing from the vocabulary is a user error.
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\"add_eos_token\": true, \"eos_token\": \"</s>\"}");
            Assert.Contains("</s>", Assert.Throws<Siglip2Exception>(() => SiglipTextProcessor.FromFolder(dir)).Message);

            // Corrupt config → user error naming the file.
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{not json");
            Assert.Contains("tokenizer_config.json", Assert.Throws<Siglip2Exception>(() => SiglipTextProcessor.FromFolder(dir)).Message);
            File.Delete(Path.Combine(dir, "tokenizer_config.json"));

            // tokenizer.json wins over tokenizer.model.
            File.WriteAllText(Path.Combine(dir, "tokenizer.json"), HuggingFaceBpeTokenizerTests.TinyTokenizerJson(lowercase: false));
            Assert.IsType<HuggingFaceBpeTokenizer>(SiglipTextProcessor.FromFolder(dir).Tokenizer);
        }
        finally { Directory.Delete(dir, true); }
    }
}
