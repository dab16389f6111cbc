namespace Siglip2.Processing.Text;

/// <summary>
/// A set of literal strings matched greedily, longest first, at a given position of a text: the rule
/// SentencePiece uses for user-defined symbols and Hugging Face <c>tokenizers</c> uses (leftmost-longest)
/// for added tokens.
/// </summary>
internal sealed class LongestMatchTable
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    // For each first character: the distinct lengths of the entries starting with it, longest first.
    private readonly Dictionary<char, int[]> _lengthsByFirstChar = new();

    public LongestMatchTable(IEnumerable<KeyValuePair<string, int>> entries)
    {
        var lengths = new Dictionary<char, SortedSet<int>>();
        foreach (var (text, id) in entries)
        {
            if (text.Length == 0) continue;
            _ids[text] = id;
            if (!lengths.TryGetValue(text[0], out var set)) lengths[text[0]] = set = new SortedSet<int>();
            set.Add(text.Length);
        }
        foreach (var (c, set) in lengths) _lengthsByFirstChar[c] = set.Reverse().ToArray();
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _ids.Count;

    /// <summary>The longest entry that starts at <paramref name="start"/>: its length (0 when none) and id.</summary>
    public int MatchAt(ReadOnlySpan<char> text, int start, out int id)
    {
        id = -1;
        if (start >= text.Length || !_lengthsByFirstChar.TryGetValue(text[start], out var lengths)) return 0;
        int remaining = text.Length - start;
        foreach (int length in lengths)
        {
            if (length > remaining) continue;
            if (_lookup.TryGetValue(text.Slice(start, length), out id)) return length;
        }
        id = -1;
        return 0;
    }
}
