using System.Text;

namespace Siglip2.Data;

/// <summary>The one rule every reader applies to a caption: valid UTF-8 (a byte-order mark dropped), not blank, within the length limit.</summary>
public static class CaptionCheck
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The caption of UTF-8 <paramref name="bytes"/> (surrounding white space trimmed), or the reason it is unusable.</summary>
    public static (string? Text, DataSkipReason? Reason, string Detail) FromUtf8(ReadOnlySpan<byte> bytes, ImageTextDataLimits limits)
    {
        if (bytes.Length > limits.MaxTextBytes) return (null, DataSkipReason.TextTooLong, $"{bytes.Length:N0} bytes");
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            return (null, DataSkipReason.InvalidText, $"not UTF-8 at byte {e.Index}");
        }
        return FromText(text, limits);
    }

    /// <summary>The caption (surrounding white space trimmed), or the reason it is unusable.</summary>
    public static (string? Text, DataSkipReason? Reason, string Detail) FromText(string? text, ImageTextDataLimits limits)
    {
        if (text is null) return (null, DataSkipReason.MissingCaption, "no caption");
        text = text.Trim();
        if (text.Length == 0) return (null, DataSkipReason.EmptyText, "the caption is blank");
        if (text.Length > limits.MaxTextCharacters)
            return (null, DataSkipReason.TextTooLong, $"{text.Length:N0} characters, over the {limits.MaxTextCharacters:N0}-character limit");
        // a JSON or CSV manifest can escape an unpaired surrogate, which is no Unicode text (the tokenizer would fail)
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0 && !IsWellFormed(text))
            return (null, DataSkipReason.InvalidText, "an unpaired surrogate");
        return (text, null, "");
    }

    private static bool IsWellFormed(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(text[i])) return false;
        }
        return true;
    }
}
