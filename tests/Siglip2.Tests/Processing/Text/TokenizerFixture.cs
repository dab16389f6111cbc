using System.Text.Json;
using Xunit.Abstractions;
using Siglip2.Processing.Text;

namespace Siglip2.Tests.Processing.Text;

/// <summary>One golden case of tests/fixtures/tokenizer (fields of spm_cases.jsonl and the *_cases.jsonl of the HF files).</summary>
public sealed record TokenizerCase(
    string Id, string Category, string Text, int[] Ids, string[] Pieces, string Decoded,
    long[]? SiglipAsciiLowerIds, long[]? SiglipUnicodeLowerIds)
{
    public override string ToString() => Id;

    public static IReadOnlyList<TokenizerCase> ReadAll(string path)
    {
        var cases = new List<TokenizerCase>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            int[] Ints(string name) => r.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();
            long[]? Longs(string name) => r.TryGetProperty(name, out var v) ? v.EnumerateArray().Select(e => e.GetInt64()).ToArray() : null;
            var pieces = r.TryGetProperty("pieces", out var p) ? p : r.GetProperty("tokens");
            cases.Add(new TokenizerCase(
                r.GetProperty("id").GetString()!, r.GetProperty("category").GetString()!, r.GetProperty("text").GetString()!,
                Ints("ids"), pieces.EnumerateArray().Select(e => e.GetString()!).ToArray(), r.GetProperty("decoded").GetString()!,
                Longs("siglip_ascii_lower_ids") ?? Longs("siglip_style_ascii_lower_ids"), Longs("siglip_unicode_lower_ids")));
        }
        return cases;
    }
}

/// <summary>Loads each fixture tokenizer and its cases once for all text-processing test classes.</summary>
public sealed class TokenizerFixture
{
    public static string Folder(params string[] parts) => FixturePaths.Path(["tokenizer", .. parts]);

    private readonly Lazy<SentencePieceBpeTokenizer> _spm = new(() => SentencePieceBpeTokenizer.Load(Folder("spm-gemma-like.model")));
    private readonly Lazy<HuggingFaceBpeTokenizer> _gemma3 = new(() => (HuggingFaceBpeTokenizer)TextTokenizerLoader.LoadFile(Folder("gemma3", "tokenizer.json.gz")));
    private readonly Lazy<HuggingFaceBpeTokenizer> _gemma256k = new(() => (HuggingFaceBpeTokenizer)TextTokenizerLoader.LoadFile(Folder("gemma256k", "tokenizer.json.gz")));

    public SentencePieceBpeTokenizer Spm => _spm.Value;
    public HuggingFaceBpeTokenizer Gemma3 => _gemma3.Value;
    public HuggingFaceBpeTokenizer Gemma256k => _gemma256k.Value;

    public IReadOnlyList<TokenizerCase> SpmCases { get; } = TokenizerCase.ReadAll(Folder("spm_cases.jsonl"));
    public IReadOnlyList<TokenizerCase> Gemma3Cases { get; } = TokenizerCase.ReadAll(Folder("gemma3", "gemma3_cases.jsonl"));
    public IReadOnlyList<TokenizerCase> Gemma256kCases { get; } = TokenizerCase.ReadAll(Folder("gemma256k", "gemma256k_cases.jsonl"));
}

[CollectionDefinition(Name)]
public sealed class TokenizerCollection : ICollectionFixture<TokenizerFixture>
{
    public const string Name = "Tokenizers";
}

/// <summary>Compares every case of a fixture file and reports the match count, listing the mismatches.</summary>
internal static class CaseComparison
{
    public static void AssertAllMatch<T>(ITestOutputHelper output, string label, IReadOnlyList<TokenizerCase> cases,
        Func<TokenizerCase, T?> expected, Func<TokenizerCase, T> actual, Func<T, string>? show = null) where T : class
    {
        show ??= v => v is System.Collections.IEnumerable e and not string ? "[" + string.Join(", ", e.Cast<object>()) + "]" : JsonSerializer.Serialize(v);
        var failures = new List<string>();
        int compared = 0;
        foreach (var c in cases)
        {
            var want = expected(c);
            if (want is null) continue;
            compared++;
            var got = actual(c);
            bool same = want is System.Collections.IEnumerable we and not string
                ? we.Cast<object>().SequenceEqual(((System.Collections.IEnumerable)got).Cast<object>())
                : Equals(want, got);
            if (!same) failures.Add($"{c.Id}: expected {show(want)} got {show(got)}");
        }
        output.WriteLine($"{label}: {compared - failures.Count}/{compared} match");
        Assert.True(compared > 0, $"{label}: no cases compared");
        Assert.True(failures.Count == 0, $"{label}: {failures.Count}/{compared} differ:\n" + string.Join("\n", failures.Take(10)));
    }
}
