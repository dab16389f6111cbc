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
}
