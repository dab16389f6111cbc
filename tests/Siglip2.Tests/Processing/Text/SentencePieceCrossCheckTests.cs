using Microsoft.ML.Tokenizers;
using Siglip2.Processing.Text;
using Xunit.Abstractions;

namespace Siglip2.Tests.Processing.Text;

/// <summary>
/// Random strings through our SentencePiece BPE and through Microsoft.ML.Tokenizers' independent implementation.
/// ML.Tokenizers splits user-defined pieces unless they are passed as special tokens and orders space/newline runs
/// longer than 31 differently (platform notes), so the strings avoid runs of more than 31 and the user-defined
/// pieces are passed as special tokens.
/// </summary>
[Collection(TokenizerCollection.Name)]
public sealed class SentencePieceCrossCheckTests(TokenizerFixture fx, ITestOutputHelper output)
{
    [Fact]
    public void Random_strings_agree_with_microsoft_ml_tokenizers()
    {
        var userDefined = fx.Spm.Model.Pieces
            .Select((p, id) => (p, id))
            .Where(x => x.p.Type == SentencePieceType.UserDefined && !x.p.Piece.Contains('\n') && !x.p.Piece.Contains('\u2581'))
            .ToDictionary(x => x.p.Piece, x => x.id);
        using var stream = File.OpenRead(TokenizerFixture.Folder("spm-gemma-like.model"));
        var reference = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false, specialTokens: userDefined);

        // Character pool: every code point of the fixture texts, plus spaces and newlines weighted up.
        var pool = fx.SpmCases.SelectMany(c => EnumerateCodePoints(c.Text)).Distinct().ToList();
        pool.AddRange(Enumerable.Repeat(" ", 20));
        pool.AddRange(Enumerable.Repeat("\n", 3));
        var random = new Random(12345);
        int compared = 0;
        var failures = new List<string>();
        for (int n = 0; n < 3000; n++)
        {
            int length = random.Next(1, 40);
            var text = string.Concat(Enumerable.Range(0, length).Select(_ => pool[random.Next(pool.Count)]));
            if (text.Contains(new string(' ', 32)) || text.Contains(new string('\n', 32))) continue;
            compared++;
            var want = reference.EncodeToIds(text);
            var got = fx.Spm.Encode(text);
            if (!want.SequenceEqual(got) && failures.Count < 5)
                failures.Add($"{System.Text.Json.JsonSerializer.Serialize(text)}: ML.Tokenizers [{string.Join(",", want)}] ours [{string.Join(",", got)}]");
        }
        output.WriteLine($"ML.Tokenizers cross-check: {compared - failures.Count}/{compared} random strings agree");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static IEnumerable<string> EnumerateCodePoints(string s)
    {
        for (int i = 0; i < s.Length; i += char.IsSurrogatePair(s, i) ? 2 : 1)
            yield return char.IsSurrogatePair(s, i) ? s.Substring(i, 2) : s[i].ToString();
    }
}
