namespace Siglip2.Processing.Text;

/// <summary>How the SigLIP 2 text pipeline lowercases captions before tokenizing them.</summary>
public enum LowercaseMode
{
    /// <summary>Only A–Z become a–z: big_vision's <c>tf.strings.lower</c> with its default (ASCII) encoding, the training-time rule.</summary>
    Ascii,

    /// <summary>Every code point gets its Unicode lowercase mapping, one character at a time (no final-sigma rule), like Hugging Face's <c>Lowercase</c> normalizer in <c>Siglip2Tokenizer</c>.</summary>
    Unicode,

    /// <summary>The text is tokenized as given.</summary>
    None,
}

/// <summary>The lowercasing rules of <see cref="LowercaseMode"/>.</summary>
public static class TextLowercasing
{
    public static string Apply(string text, LowercaseMode mode) => mode switch
    {
        LowercaseMode.Ascii => AsciiLower(text),
        LowercaseMode.Unicode => UnicodeLowerPerCharacter(text),
        LowercaseMode.None => text,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>A–Z → a–z; every other character (including non-ASCII capitals) unchanged.</summary>
    public static string AsciiLower(string text)
    {
        int first = text.AsSpan().IndexOfAnyInRange('A', 'Z');
        if (first < 0) return text;
        return string.Create(text.Length, text, static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++)
            {
                char c = src[i];
                dst[i] = c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
            }
        });
    }

    /// <summary>
    /// Per code point Unicode lowercase, without context (no final sigma): Rust's <c>char::to_lowercase</c>, which
    /// Hugging Face's <c>Lowercase</c> normalizer applies. That is the simple mapping except for U+0130 (İ), whose
    /// unconditional full mapping is "i" + U+0307.
    /// </summary>
    public static string UnicodeLowerPerCharacter(string text)
    {
        var sb = new System.Text.StringBuilder(text.Length);
        for (int i = 0; i < text.Length;)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                // Invariant string casing maps supplementary-plane code points (Deseret, Adlam, …) one by one.
                sb.Append(text.AsSpan(i, 2).ToString().ToLowerInvariant());
                i += 2;
                continue;
            }
            char c = text[i++];
            if (c == '\u0130') sb.Append("i\u0307");
            else sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
