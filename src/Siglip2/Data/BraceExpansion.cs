namespace Siglip2.Data;

/// <summary>
/// Expands the brace lists of WebDataset/img2dataset shard specs (bash and Python braceexpand style):
/// <c>{00000..00099}</c> is a zero-padded integer range (the width of its first bound when that starts with 0;
/// descending when the first bound is larger), <c>{a,b,c}</c> a list, and several braces multiply
/// (<c>{a,b}-{0..2}</c>: 6 names, the last brace varying fastest). Nested braces are not supported. Written here
/// because no served package expands brace lists.
/// </summary>
public static class BraceExpansion
{
    /// <summary>Expansion stops with an error beyond this many names (a typo like {0..99999999} must not exhaust memory).</summary>
    public const int MaxNames = 1_000_000;

    public static IReadOnlyList<string> Expand(string pattern)
    {
        var results = new List<string> { "" };
        int i = 0;
        while (i < pattern.Length)
        {
            int open = pattern.IndexOf('{', i);
            int close = pattern.IndexOf('}', i);
            if (close >= 0 && (open < 0 || close < open))
                throw new Siglip2Exception($"data spec '{pattern}': '}}' at position {close + 1} has no opening '{{'; write ranges as {{00000..00099}} and lists as {{a,b}}");
            if (open < 0)
            {
                Append(results, [pattern[i..]]);
                break;
            }
            Append(results, [pattern[i..open]]);
            close = pattern.IndexOf('}', open + 1);
            if (close < 0)
                throw new Siglip2Exception($"data spec '{pattern}': '{{' at position {open + 1} is never closed; write ranges as {{00000..00099}} and lists as {{a,b}}");
            string body = pattern[(open + 1)..close];
            if (body.Contains('{'))
                throw new Siglip2Exception($"data spec '{pattern}': nested braces are not supported; write one brace list per part, like shards-{{0..3}}-{{000..009}}.tar");
            Append(results, Alternatives(body, pattern));
            if ((long)results.Count > MaxNames)
                throw new Siglip2Exception($"data spec '{pattern}' expands to more than {MaxNames:N0} names; check the ranges");
            i = close + 1;
        }
        return results;
    }

    private static void Append(List<string> results, IReadOnlyList<string> parts)
    {
        if ((long)results.Count * parts.Count > MaxNames)
            throw new Siglip2Exception($"a data spec expands to more than {MaxNames:N0} names; check the ranges");
        if (parts.Count == 1)
        {
            for (int k = 0; k < results.Count; k++) results[k] += parts[0];
            return;
        }
        var next = new List<string>(results.Count * parts.Count);
        foreach (string prefix in results)
            foreach (string part in parts)
                next.Add(prefix + part);
        results.Clear();
        results.AddRange(next);
    }

    private static IReadOnlyList<string> Alternatives(string body, string pattern)
    {
        int dots = body.IndexOf("..", StringComparison.Ordinal);
        if (dots >= 0 && !body.Contains(','))
        {
            string from = body[..dots], to = body[(dots + 2)..];
            if (!long.TryParse(from, out long a) || !long.TryParse(to, out long b) || from.StartsWith('-') || to.StartsWith('-'))
                throw new Siglip2Exception($"data spec '{pattern}': range {{{body}}} needs two non-negative integers, like {{00000..00099}}");
            if (Math.Abs(b - a) + 1 > MaxNames)
                throw new Siglip2Exception($"data spec '{pattern}': range {{{body}}} has more than {MaxNames:N0} names; check the bounds");
            int width = from.Length > 1 && from[0] == '0' || to.Length > 1 && to[0] == '0' ? Math.Max(from.Length, to.Length) : 0;
            long step = a <= b ? 1 : -1;
            var names = new List<string>();
            for (long v = a; ; v += step)
            {
                names.Add(v.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width, '0'));
                if (v == b) break;
            }
            return names;
        }
        if (!body.Contains(','))
            throw new Siglip2Exception($"data spec '{pattern}': {{{body}}} is neither a range {{0..9}} nor a list {{a,b}}");
        return body.Split(',');
    }
}
