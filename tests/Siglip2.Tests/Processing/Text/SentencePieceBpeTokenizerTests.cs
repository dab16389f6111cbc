using Siglip2.Processing.Text;
using Xunit.Abstractions;

namespace Siglip2.Tests.Processing.Text;

/// <summary>The tokenizer.model backend against goldens from the SentencePiece C++ library (spm_cases.jsonl).</summary>
[Collection(TokenizerCollection.Name)]
public sealed class SentencePieceBpeTokenizerTests(TokenizerFixture fx, ITestOutputHelper output)
{
    [Fact]
    public void Ids_match_sentencepiece_library() =>
        CaseComparison.AssertAllMatch(output, "spm ids", fx.SpmCases, c => c.Ids, c => fx.Spm.Encode(c.Text));

    [Fact]
    public void Pieces_match_sentencepiece_library() =>
        CaseComparison.AssertAllMatch(output, "spm pieces", fx.SpmCases, c => c.Pieces, c => fx.Spm.Encode(c.Text).Select(fx.Spm.IdToPiece).ToArray());

    [Fact]
    public void Decode_matches_sentencepiece_library_including_user_defined_pieces() =>
        CaseComparison.AssertAllMatch(output, "spm decoded", fx.SpmCases, c => c.Decoded, c => fx.Spm.Decode(c.Ids));

    [Fact]
    public void Model_flags_are_read_from_the_protobuf()
    {
        var m = fx.Spm.Model;
        Assert.Equal(8000, m.Pieces.Count);
        Assert.Equal(2, m.ModelType);
        Assert.True(m.ByteFallback);
        Assert.False(m.AddDummyPrefix);
        Assert.False(m.RemoveExtraWhitespaces);
        Assert.Equal((0, 1, 2, 3), (m.PadId, m.EosId, m.BosId, m.UnkId));
        // README: 7 653 normal, 256 byte, 87 user-defined, 3 control, 1 unknown; user-defined ids 4–90, bytes 91–346.
        Assert.Equal(7653, m.Pieces.Count(p => p.Type == SentencePieceType.Normal));
        Assert.Equal(256, m.Pieces.Count(p => p.Type == SentencePieceType.Byte));
        Assert.Equal(87, m.Pieces.Count(p => p.Type == SentencePieceType.UserDefined));
        Assert.Equal(3, m.Pieces.Count(p => p.Type == SentencePieceType.Control));
        Assert.Equal("<start_of_turn>", fx.Spm.IdToPiece(fx.Spm.PieceToId("<start_of_turn>")!.Value));
        Assert.Equal(91, fx.Spm.PieceToId("<0x00>"));
        Assert.Equal(346, fx.Spm.PieceToId("<0xFF>"));
    }

    [Fact]
    public void Control_pieces_in_text_are_not_special_but_user_defined_pieces_are_whole()
    {
        Assert.DoesNotContain(2, fx.Spm.Encode("<bos>"));
        Assert.Equal([fx.Spm.PieceToId("<start_of_turn>")!.Value], fx.Spm.Encode("<start_of_turn>"));
        // 40 spaces: greedy longest user-defined match first (31 then 9), as the SentencePiece library does.
        var pieces = fx.Spm.Encode("a" + new string(' ', 40) + "b").Select(fx.Spm.IdToPiece).ToArray();
        Assert.Equal(["a", new string('\u2581', 31), new string('\u2581', 9), "b"], pieces);
    }

    [Fact]
    public void Missing_file_is_a_one_line_user_error()
    {
        var e = Assert.Throws<Siglip2Exception>(() => SentencePieceBpeTokenizer.Load("/nonexistent/tokenizer.model"));
        Assert.Contains("/nonexistent/tokenizer.model", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Corrupt_file_is_a_user_error()
    {
        string path = Path.Combine(Path.GetTempPath(), $"siglip2-corrupt-{Guid.NewGuid():N}.model");
        try
        {
            var bytes = File.ReadAllBytes(TokenizerFixture.Folder("spm-gemma-like.model"));
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]); // truncated mid-message
            var e = Assert.Throws<Siglip2Exception>(() => SentencePieceBpeTokenizer.Load(path));
            Assert.Contains(path, e.Message);
            File.WriteAllText(path, "this is not a protobuf model at all");
            Assert.Throws<Siglip2Exception>(() => SentencePieceBpeTokenizer.Load(path));
        }
        finally { File.Delete(path); }
    }
}
