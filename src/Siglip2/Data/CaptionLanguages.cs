namespace Siglip2.Data;

/// <summary>The caption languages of FashionScenes: English first, then nine others covering Latin, Cyrillic,
/// Han, Kana, Hangul, Arabic and Devanagari scripts.</summary>
public static class CaptionLanguages
{
    public static CaptionLanguage English { get; } = new EnglishCaptions();

    public static IReadOnlyList<CaptionLanguage> All { get; } =
    [
        English, new GermanCaptions(), new FrenchCaptions(), new SpanishCaptions(), new RussianCaptions(),
        new ChineseCaptions(), new JapaneseCaptions(), new ArabicCaptions(), new HindiCaptions(), new KoreanCaptions(),
    ];

    public static IReadOnlyList<string> Codes { get; } = All.Select(l => l.Code).ToArray();

    /// <summary>The language with this ISO 639-1 code; an unknown code is a user error.</summary>
    public static CaptionLanguage Get(string code) =>
        All.FirstOrDefault(l => string.Equals(l.Code, code, StringComparison.OrdinalIgnoreCase))
        ?? throw new Siglip2Exception($"unknown caption language '{code}'; use one of {string.Join(", ", Codes)}");
}
