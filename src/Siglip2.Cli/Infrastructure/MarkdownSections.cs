using System.Text.RegularExpressions;
using Siglip2.Configuration;

namespace Siglip2.Cli.Infrastructure;

/// <summary>
/// Rewriting one generated section of a results page in place (atomically), keeping the rest of the file: a block
/// between <c>&lt;!-- name --&gt;</c> markers, or everything from a level-2 heading to the next.
/// </summary>
public static class MarkdownSections
{
    /// <summary>Replaces (or appends) the block <c>&lt;!-- name --&gt;</c> … <c>&lt;!-- /name --&gt;</c> with <paramref name="content"/>.</summary>
    public static void ReplaceMarked(string path, string name, string content)
    {
        string begin = $"<!-- {name} -->", end = $"<!-- /{name} -->";
        string text = File.Exists(path) ? File.ReadAllText(path) : "";
        int b = text.IndexOf(begin, StringComparison.Ordinal), e = text.IndexOf(end, StringComparison.Ordinal);
        string block = begin + "\n" + content + end;
        text = b >= 0 && e > b ? text[..b] + block + text[(e + end.Length)..] : text.TrimEnd() + "\n\n" + block + "\n";
        AtomicFile.WriteAllText(path, text);
    }

    /// <summary>Replaces (or appends) the section that starts with <c>## heading</c> and runs to the next <c>## </c> heading.</summary>
    public static void ReplaceHeading(string path, string heading, string section)
    {
        string existing = File.Exists(path) ? File.ReadAllText(path) : "";
        var match = Regex.Match(existing, $@"^## {Regex.Escape(heading)}\n.*?(?=^## |\z)", RegexOptions.Multiline | RegexOptions.Singleline);
        string updated = match.Success
            ? existing[..match.Index] + section + existing[(match.Index + match.Length)..]
            : existing.TrimEnd() + "\n\n" + section;
        AtomicFile.WriteAllText(path, updated);
    }
}
