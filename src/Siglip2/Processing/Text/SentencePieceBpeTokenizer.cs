using System.Text;

namespace Siglip2.Processing.Text;

/// <summary>
/// Encodes text with a SentencePiece BPE <c>tokenizer.model</c> (the Gemma tokenizer of SigLIP 2) as the
/// SentencePiece C++ library does: identity normalization with spaces escaped to "▁" (no dummy prefix, no
/// whitespace collapsing), user-defined symbols matched greedily longest-first and frozen, score-driven
/// merges (highest score first, leftmost on ties), and byte fallback for pieces outside the vocabulary.
/// Control pieces such as <c>&lt;bos&gt;</c> typed in the text are not special.
/// </summary>
public sealed class SentencePieceBpeTokenizer : ITextTokenizer
{
    private const char SpaceSymbol = '\u2581';

    private readonly SentencePieceModel _model;
    // pieces_ of SentencePiece: normal, user-defined and unused pieces (the ones merges may produce).
    private readonly Dictionary<string, int> _pieces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _pieceLookup;
    // Control, unknown and byte pieces.
    private readonly Dictionary<string, int> _reserved = new(StringComparer.Ordinal);
    private readonly LongestMatchTable _userDefined;
    private readonly int[] _byteIds = new int[256];

    public SentencePieceBpeTokenizer(SentencePieceModel model)
    {
        _model = model;
        string where = model.SourcePath;
        if (model.ModelType != 2)
            throw new Siglip2Exception($"'{where}' is a SentencePiece model of type {ModelTypeName(model.ModelType)}; only BPE models (the Gemma tokenizer of SigLIP 2) are supported. Use the checkpoint's Gemma tokenizer.model or its tokenizer.json.");
        if (model.PrecompiledCharsMapLength > 0 || model.AddDummyPrefix || model.RemoveExtraWhitespaces || model.TreatWhitespaceAsSuffix)
            throw new Siglip2Exception($"'{where}' uses SentencePiece normalization '{model.NormalizerName}' (add_dummy_prefix={model.AddDummyPrefix}, remove_extra_whitespaces={model.RemoveExtraWhitespaces}); only Gemma-style identity normalization is supported. Use the checkpoint's Gemma tokenizer.model or its tokenizer.json.");

        Array.Fill(_byteIds, -1);
        var userDefined = new List<KeyValuePair<string, int>>();
        for (int i = 0; i < model.Pieces.Count; i++)
        {
            var p = model.Pieces[i];
            bool normalLike = p.Type is SentencePieceType.Normal or SentencePieceType.UserDefined or SentencePieceType.Unused;
            var map = normalLike ? _pieces : _reserved;
            if (!map.TryAdd(p.Piece, i))
                throw new Siglip2Exception($"'{where}' lists the piece '{p.Piece}' twice (ids {map[p.Piece]} and {i}); the file is corrupt. Re-download tokenizer.model.");
            if (p.Type == SentencePieceType.UserDefined) userDefined.Add(new(p.Piece, i));
            if (p.Type == SentencePieceType.Byte)
            {
                int b = BytePieces.Parse(p.Piece);
                if (b >= 0) _byteIds[b] = i;
            }
        }
        if (model.UnkId < 0 || model.UnkId >= model.Pieces.Count || model.Pieces[model.UnkId].Type != SentencePieceType.Unknown)
            throw new Siglip2Exception($"'{where}' has no unknown piece at unk_id {model.UnkId}; the file is corrupt. Re-download tokenizer.model.");
        if (model.ByteFallback && Array.IndexOf(_byteIds, -1) >= 0)
            throw new Siglip2Exception($"'{where}' enables byte fallback but lacks some of the 256 <0xNN> pieces; the file is corrupt. Re-download tokenizer.model.");
        _pieceLookup = _pieces.GetAlternateLookup<ReadOnlySpan<char>>();
        _userDefined = new LongestMatchTable(userDefined);
    }

    public static SentencePieceBpeTokenizer Load(string path) => new(SentencePieceModel.Read(path));

    public SentencePieceModel Model => _model;
    public string SourcePath => _model.SourcePath;
    public int VocabularySize => _model.Pieces.Count;
    public int UnknownId => _model.UnkId;

    public string IdToPiece(int id)
    {
        if ((uint)id >= (uint)_model.Pieces.Count) throw new ArgumentOutOfRangeException(nameof(id), id, $"id outside the vocabulary of {_model.Pieces.Count}");
        return _model.Pieces[id].Piece;
    }

    public int? PieceToId(string piece) =>
        _reserved.TryGetValue(piece, out int id) || _pieces.TryGetValue(piece, out id) ? id : null;

    private struct Symbol
    {
        public int Start, Length, Prev, Next;
        public bool Frozen;
    }

    public int[] Encode(string text)
    {
        if (text.Length == 0) return [];
        string normalized = _model.EscapeWhitespaces ? text.Replace(' ', SpaceSymbol) : text;
        ReadOnlySpan<char> s = normalized;

        // 1. Split into characters (code points), user-defined symbols matched longest-first and frozen.
        var symbols = new List<Symbol>(s.Length);
        for (int pos = 0; pos < s.Length;)
        {
            int len = _userDefined.MatchAt(s, pos, out _);
            bool frozen = len > 0;
            if (!frozen) len = char.IsHighSurrogate(s[pos]) && pos + 1 < s.Length && char.IsLowSurrogate(s[pos + 1]) ? 2 : 1;
            int index = symbols.Count;
            symbols.Add(new Symbol { Start = pos, Length = len, Prev = index - 1, Next = pos + len < s.Length ? index + 1 : -1, Frozen = frozen });
            pos += len;
        }
        var sym = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(symbols);

        // 2. Merge the adjacent pair whose concatenation is the highest-scoring piece (leftmost on ties).
        var agenda = new PriorityQueue<(int Left, int Right, int Length), (float Score, int Left)>(PairOrder.Instance);
        var unusedMerges = new Dictionary<(int Start, int Length), (int LeftLength, int RightLength)>();
        void MaybeAdd(ReadOnlySpan<char> s, Span<Symbol> sy, int left, int right)
        {
            if (left < 0 || right < 0 || sy[left].Frozen || sy[right].Frozen) return;
            int length = sy[left].Length + sy[right].Length;
            if (!_pieceLookup.TryGetValue(s.Slice(sy[left].Start, length), out int id)) return;
            agenda.Enqueue((left, right, length), (_model.Pieces[id].Score, left));
            if (_model.Pieces[id].Type == SentencePieceType.Unused)
                unusedMerges[(sy[left].Start, length)] = (sy[left].Length, sy[right].Length);
        }
        for (int i = 1; i < sym.Length; i++) MaybeAdd(s, sym, i - 1, i);
        while (agenda.TryDequeue(out var top, out _))
        {
            ref var left = ref sym[top.Left];
            ref var right = ref sym[top.Right];
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != top.Length) continue; // stale
            left.Length += right.Length;
            left.Next = right.Next;
            if (right.Next >= 0) sym[right.Next].Prev = top.Left;
            right.Length = 0;
            MaybeAdd(s, sym, left.Prev, top.Left);
            MaybeAdd(s, sym, top.Left, left.Next);
        }

        // 3. Emit ids: unused pieces are re-split into their parts; unknown pieces fall back to UTF-8 bytes.
        var ids = new List<int>(sym.Length);
        for (int i = 0; i >= 0 && sym.Length > 0; i = sym[i].Next)
            Resegment(s, sym[i].Start, sym[i].Length, unusedMerges, ids);
        return ids.ToArray();
    }

    private void Resegment(ReadOnlySpan<char> s, int start, int length, Dictionary<(int, int), (int LeftLength, int RightLength)> unusedMerges, List<int> ids)
    {
        var piece = s.Slice(start, length);
        if (!_pieceLookup.TryGetValue(piece, out int id))
        {
            if (_model.ByteFallback)
            {
                Span<byte> buffer = stackalloc byte[length * 3];
                int n = Encoding.UTF8.GetBytes(piece, buffer);
                foreach (byte b in buffer[..n]) ids.Add(_byteIds[b]);
            }
            else ids.Add(_model.UnkId);
            return;
        }
        if (_model.Pieces[id].Type != SentencePieceType.Unused || !unusedMerges.TryGetValue((start, length), out var parts))
        {
            ids.Add(id);
            return;
        }
        Resegment(s, start, parts.LeftLength, unusedMerges, ids);
        Resegment(s, start + parts.LeftLength, parts.RightLength, unusedMerges, ids);
    }

    /// <summary>
    /// SentencePiece's <c>DecodeIds</c>: control pieces vanish, the unknown piece becomes " ⁇ ", runs of byte
    /// pieces are decoded as UTF-8 (each invalid byte → U+FFFD), and "▁" becomes a space in every other piece,
    /// user-defined pieces included. No leading space is stripped (the model has no dummy prefix).
    /// </summary>
    public string Decode(IEnumerable<int> ids)
    {
        var sb = new StringBuilder();
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            var p = _model.Pieces[id >= 0 && id < _model.Pieces.Count ? id : throw new ArgumentOutOfRangeException(nameof(ids), id, "id outside the vocabulary")];
            if (p.Type == SentencePieceType.Byte)
            {
                bytes.Add((byte)BytePieces.Parse(p.Piece));
                continue;
            }
            if (bytes.Count > 0) BytePieces.AppendPerCharacter(sb, bytes);
            switch (p.Type)
            {
                case SentencePieceType.Control: break;
                case SentencePieceType.Unknown: sb.Append(_model.UnkSurface); break;
                default: sb.Append(p.Piece.Replace(SpaceSymbol, ' ')); break;
            }
        }
        if (bytes.Count > 0) BytePieces.AppendPerCharacter(sb, bytes);
        return sb.ToString();
    }

    private static string ModelTypeName(int t) => t switch { 1 => "unigram", 2 => "BPE", 3 => "word", 4 => "char", _ => t.ToString() };

    /// <summary>Highest score first; on equal scores the leftmost pair first (SentencePiece's SymbolPairComparator).</summary>
    private sealed class PairOrder : IComparer<(float Score, int Left)>
    {
        public static readonly PairOrder Instance = new();
        public int Compare((float Score, int Left) a, (float Score, int Left) b)
        {
            int c = b.Score.CompareTo(a.Score);
            return c != 0 ? c : a.Left.CompareTo(b.Left);
        }
    }
}
