using System.Text;

namespace Siglip2.Configuration;

/// <summary>Untrusted text (tensor names, vocabulary pieces, file names) made safe to put in a one-line error message.</summary>
public static class MessageText
{
    /// <summary>Control characters escaped as <c>\uXXXX</c>, cut to <paramref name="max"/> characters with an ellipsis.</summary>
    public static string Printable(string text, int max = 200)
    {
        var sb = new StringBuilder(Math.Min(text.Length, max));
        foreach (char c in text.Length <= max ? text : text[..(max - 1)])
            sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        if (text.Length > max) sb.Append('…');
        return sb.ToString();
    }

    /// <summary>
    /// A message made one line: control characters (line breaks, tabs, NUL, U+0085) and the Unicode line and
    /// paragraph separators escaped as <c>\uXXXX</c>; nothing cut.
    /// </summary>
    public static string OneLine(string text)
    {
        if (!text.AsSpan().ContainsAny(LineBreaking)) return text;
        var sb = new StringBuilder(text.Length + 16);
        foreach (char c in text) sb.Append(char.IsControl(c) || c is '\u2028' or '\u2029' ? $"\\u{(int)c:x4}" : c);
        return sb.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> LineBreaking = System.Buffers.SearchValues.Create(
        string.Concat(Enumerable.Range(0, 32).Select(i => (char)i)) + "\u007f\u0085\u2028\u2029" +
        string.Concat(Enumerable.Range(0x80, 32).Select(i => (char)i)));
}
