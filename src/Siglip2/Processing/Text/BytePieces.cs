using System.Text;

namespace Siglip2.Processing.Text;

/// <summary>Byte-fallback pieces <c>&lt;0xNN&gt;</c>: naming and decoding.</summary>
internal static class BytePieces
{
    public static string Name(int b) => $"<0x{b:X2}>";

    /// <summary>Parses <c>&lt;0xNN&gt;</c> (hex, either case), else -1.</summary>
    public static int Parse(string piece)
    {
        if (piece.Length != 6 || !piece.StartsWith("<0x", StringComparison.Ordinal) || piece[5] != '>') return -1;
        return byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out byte b) ? b : -1;
    }

    /// <summary>SentencePiece's rule: decode one UTF-8 character at a time; each structurally invalid byte becomes U+FFFD.</summary>
    public static void AppendPerCharacter(StringBuilder sb, List<byte> bytes)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
        while (!span.IsEmpty)
        {
            var status = System.Text.Rune.DecodeFromUtf8(span, out var rune, out int consumed);
            if (status == System.Buffers.OperationStatus.Done) { sb.Append(rune.ToString()); span = span[consumed..]; }
            else { sb.Append('\uFFFD'); span = span[1..]; }
        }
        bytes.Clear();
    }

    /// <summary>Hugging Face's ByteFallback decoder: the whole run as UTF-8 if valid, else one U+FFFD per byte.</summary>
    public static void AppendAllOrNothing(StringBuilder sb, List<byte> bytes)
    {
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        try { sb.Append(strict.GetString(bytes.ToArray())); }
        catch (DecoderFallbackException) { sb.Append('\uFFFD', bytes.Count); }
        bytes.Clear();
    }
}
