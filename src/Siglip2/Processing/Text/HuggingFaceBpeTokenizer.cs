using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Siglip2.Configuration;

namespace Siglip2.Processing.Text;

/// <summary>
/// Encodes text with a Hugging Face <c>tokenizer.json</c> (plain or gzipped) of the Gemma/SigLIP 2 kind, as the
/// Rust <c>tokenizers</c> library does with <c>add_special_tokens=false</c>: added tokens (special or not) are
/// matched leftmost-longest in the raw text first; the rest goes through the normalizer (Replace, Lowercase,
/// Sequence), the pre-tokenizer (none, or a Split on a literal string) and the BPE model (ranked merges,
/// byte fallback, fused unknowns). Decoding runs the decoder chain (Replace, ByteFallback, Fuse, Strip) over
/// all tokens, special ones included. The post-processor is ignored: callers add special tokens themselves.
/// </summary>
public sealed class HuggingFaceBpeTokenizer : ITextTokenizer
{
    private readonly string _path;
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabLookup;
    private readonly string[] _idToToken;
    private readonly Dictionary<long, (int Rank, int NewId)> _merges;
    private readonly Dictionary<string, int> _addedTokens = new(StringComparer.Ordinal);
    private readonly HashSet<int> _specialIds = new();
    private readonly LongestMatchTable _rawAdded;        // added tokens with normalized=false
    private readonly LongestMatchTable _normalizedAdded; // added tokens with normalized=true
    private readonly List<Func<string, string>> _normalizers = new();
    private readonly string? _splitPattern;
    private readonly string _splitBehavior = "";
    /// <summary>One step of the decoder chain, validated at load (a malformed step must fail there, not in Decode).</summary>
    private sealed record DecoderStep(string Type, string From = "", string To = "", int Start = 0, int Stop = 0);

    private readonly List<DecoderStep> _decoders = new();
    private readonly int? _unkId;
    private readonly bool _fuseUnk, _byteFallback, _ignoreMerges;
    private readonly int[] _byteIds = new int[256];

    /// <summary>True when the file's normalizer lowercases (transformers' <c>Siglip2Tokenizer</c>).</summary>
    public bool HasLowercaseNormalizer { get; }

    /// <summary>Whether the file's Lowercase normalizer (if any) is applied; the SigLIP text pipeline turns it off because it lowercases itself.</summary>
    public bool ApplyLowercaseNormalizer { get; }

    public string SourcePath => _path;
    public int VocabularySize => _idToToken.Length;
    public IReadOnlyCollection<int> SpecialTokenIds => _specialIds;

    /// <summary>
    /// Reads <paramref name="path"/> (<c>tokenizer.json</c> or gzip-compressed <c>tokenizer.json.gz</c>): a regular file
    /// of at most <see cref="InputLimits.TokenizerBytes"/>, decompressed to at most as many bytes (a gzip bomb is an error).
    /// </summary>
    public static HuggingFaceBpeTokenizer Load(string path, bool applyLowercaseNormalizer = true)
    {
        byte[] json;
        using (var file = InputFile.OpenRead(path, "tokenizer.json", InputLimits.TokenizerBytes))
        {
            try
            {
                int b0 = file.ReadByte(), b1 = file.ReadByte();
                file.Position = 0;
                if (b0 == 0x1F && b1 == 0x8B)
                {
                    using var gz = new GZipStream(file, CompressionMode.Decompress);
                    json = InputFile.ReadBounded(gz, path, "decompressed tokenizer.json", InputLimits.TokenizerBytes);
                }
                else json = InputFile.ReadBounded(file, path, "tokenizer.json", InputLimits.TokenizerBytes);
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                throw new Siglip2Exception($"cannot read tokenizer file '{path}': {e.Message.ReplaceLineEndings(" ")} (a truncated or corrupt gzip?); re-download tokenizer.json from the checkpoint", e);
            }
        }
        return Parse(json, path, applyLowercaseNormalizer);
    }

    /// <summary>Parses the bytes of a tokenizer.json (not compressed); <paramref name="where"/> names the source in errors.</summary>
    public static HuggingFaceBpeTokenizer Parse(byte[] json, string where, bool applyLowercaseNormalizer = true)
    {
        string text = InputFile.DecodeUtf8(json, where, "tokenizer.json");
        using var doc = StrictJson.ParseDocument(text, where);
        try
        {
            return new HuggingFaceBpeTokenizer(where, doc.RootElement, applyLowercaseNormalizer);
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException)
        {
            // a missing or mistyped field deep in the normalizer/decoder sections
            throw new Siglip2Exception($"'{where}' is not a valid Hugging Face tokenizer.json: {e.Message.ReplaceLineEndings(" ")}. Re-download tokenizer.json from the checkpoint.", e);
        }
    }

    private HuggingFaceBpeTokenizer(string path, JsonElement root, bool applyLowercaseNormalizer)
    {
        _path = path;
        ApplyLowercaseNormalizer = applyLowercaseNormalizer;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model))
            throw Unsupported("it has no \"model\" section");

        // Model: BPE.
        string modelType = model.TryGetProperty("type", out var mt) && mt.ValueKind == JsonValueKind.String ? mt.GetString()! : "BPE";
        if (modelType != "BPE") throw Unsupported($"its model is {modelType}, only BPE (the Gemma tokenizer of SigLIP 2) is supported");
        if (IsSet(model, "continuing_subword_prefix") || IsSet(model, "end_of_word_suffix"))
            throw Unsupported("its BPE model uses continuing_subword_prefix/end_of_word_suffix");
        if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
            throw Unsupported("its BPE model has dropout (random segmentation)");
        _fuseUnk = GetBool(model, "fuse_unk");
        _byteFallback = GetBool(model, "byte_fallback");
        _ignoreMerges = GetBool(model, "ignore_merges");

        if (!model.TryGetProperty("vocab", out var vocabJson) || vocabJson.ValueKind != JsonValueKind.Object)
            throw Unsupported("model.vocab must be an object of piece → id");
        int addedCount = root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind == JsonValueKind.Array ? addedJson.GetArrayLength() : 0;
        // Ids index a table, so they must be small: at most one id per vocabulary entry and added token.
        long idLimit = (long)vocabJson.GetPropertyCount() + addedCount;
        _vocab = new Dictionary<string, int>(vocabJson.GetPropertyCount(), StringComparer.Ordinal);
        var pieceOfId = new Dictionary<int, string>(vocabJson.GetPropertyCount());
        int maxId = -1;
        foreach (var p in vocabJson.EnumerateObject())
        {
            string piece = Name(p);
            int id = Id(p.Value, idLimit, $"model.vocab['{Printable(piece)}']");
            if (!pieceOfId.TryAdd(id, piece))
                throw Unsupported($"model.vocab maps two pieces to id {id:N0} ('{Printable(pieceOfId[id])}' and '{Printable(piece)}')");
            _vocab[piece] = id;
            if (id > maxId) maxId = id;
        }
        _vocabLookup = _vocab.GetAlternateLookup<ReadOnlySpan<char>>();

        if (model.TryGetProperty("unk_token", out var unk) && unk.ValueKind == JsonValueKind.String)
        {
            if (!_vocab.TryGetValue(unk.GetString()!, out int unkId)) throw Unsupported($"its unk_token '{unk.GetString()}' is not in the vocabulary");
            _unkId = unkId;
        }
        for (int b = 0; b < 256; b++) _byteIds[b] = _vocab.TryGetValue(BytePieces.Name(b), out int bid) ? bid : -1;

        // Merges: "a b" strings (older files) or ["a", "b"] pairs; rank = position; later duplicates win, as in tokenizers.
        if (!model.TryGetProperty("merges", out var mergesJson) || mergesJson.ValueKind != JsonValueKind.Array)
            throw Unsupported("model.merges must be an array of merges");
        _merges = new Dictionary<long, (int, int)>(mergesJson.GetArrayLength());
        int rank = 0;
        foreach (var m in mergesJson.EnumerateArray())
        {
            string a, b;
            if (m.ValueKind == JsonValueKind.String)
            {
                string line = m.GetString()!;
                int sp = line.IndexOf(' ');
                if (sp < 0 || line.IndexOf(' ', sp + 1) >= 0) throw Unsupported($"merge #{rank} '{line}' is not two tokens separated by one space");
                a = line[..sp];
                b = line[(sp + 1)..];
            }
            else
            {
                if (m.ValueKind != JsonValueKind.Array || m.GetArrayLength() != 2 || m[0].ValueKind != JsonValueKind.String || m[1].ValueKind != JsonValueKind.String)
                    throw Unsupported($"merge #{rank} is not a pair of tokens (\"a b\" or [\"a\", \"b\"]), got {StrictJson.Show(m)}");
                a = m[0].GetString()!;
                b = m[1].GetString()!;
            }
            if (!_vocab.TryGetValue(a, out int ia) || !_vocab.TryGetValue(b, out int ib) || !_vocab.TryGetValue(a + b, out int merged))
                throw Unsupported($"merge #{rank} ('{a}', '{b}') refers to a token missing from the vocabulary");
            _merges[PairKey(ia, ib)] = (rank, merged);
            rank++;
        }

        // Added tokens.
        var raw = new List<KeyValuePair<string, int>>();
        var normalized = new List<KeyValuePair<string, int>>();
        if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind != JsonValueKind.Null)
        {
            if (added.ValueKind != JsonValueKind.Array)
                throw Unsupported($"added_tokens must be an array of tokens, got {StrictJson.Show(added)}");
            int index = 0;
            foreach (var t in added.EnumerateArray())
            {
                string where = $"added_tokens[{index++}]";
                if (t.ValueKind != JsonValueKind.Object)
                    throw Unsupported($"{where} must be an object with \"id\" and \"content\", got {StrictJson.Show(t)}");
                if (!t.TryGetProperty("id", out var idJson)) throw Unsupported($"{where} has no \"id\"");
                int id = Id(idJson, idLimit, $"{where}.id");
                if (!t.TryGetProperty("content", out var contentJson) || contentJson.ValueKind != JsonValueKind.String)
                    throw Unsupported($"{where}.content must be a string");
                string content = contentJson.GetString()!;
                if (content.Length == 0) throw Unsupported($"{where}.content is empty");
                if (GetBool(t, "lstrip") || GetBool(t, "rstrip") || GetBool(t, "single_word"))
                    throw Unsupported($"added token '{content}' uses lstrip/rstrip/single_word");
                // an added token names a vocabulary piece by its id, or takes a new id: never another piece's id
                if (pieceOfId.TryGetValue(id, out var other) && other != content)
                    throw Unsupported($"{where} maps '{Printable(content)}' to id {id:N0}, which is '{Printable(other)}'; two pieces cannot share an id");
                pieceOfId[id] = content;
                if (_addedTokens.TryGetValue(content, out int previous) && previous != id)
                    throw Unsupported($"{where} lists '{Printable(content)}' again with id {id:N0} (first {previous:N0})");
                _addedTokens[content] = id;
                if (GetBool(t, "special")) _specialIds.Add(id);
                (GetBool(t, "normalized") ? normalized : raw).Add(new(content, id));
                if (id > maxId) maxId = id;
            }
        }
        _rawAdded = new LongestMatchTable(raw);
        _normalizedAdded = new LongestMatchTable(normalized);

        _idToToken = new string[maxId + 1];
        foreach (var (token, id) in _vocab) _idToToken[id] = token;
        foreach (var (token, id) in _addedTokens) _idToToken[id] = token;

        // Normalizer.
        if (root.TryGetProperty("normalizer", out var norm) && norm.ValueKind == JsonValueKind.Object)
        {
            bool lower = false;
            AddNormalizer(norm, ref lower);
            HasLowercaseNormalizer = lower;
        }

        // Pre-tokenizer: none, or Split on a literal string (Gemma 3's, a no-op after the space → ▁ normalizer).
        if (root.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind == JsonValueKind.Object)
        {
            string type = pre.GetProperty("type").GetString()!;
            if (type != "Split" || !pre.GetProperty("pattern").TryGetProperty("String", out var pat) || GetBool(pre, "invert"))
                throw Unsupported($"its pre_tokenizer {type} is not supported (only none or a Split on a literal string, as in Gemma files)");
            _splitPattern = pat.GetString()!;
            _splitBehavior = pre.GetProperty("behavior").GetString()!;
            if (_splitBehavior is not ("MergedWithPrevious" or "MergedWithNext" or "Isolated" or "Removed") || _splitPattern.Length == 0)
                throw Unsupported($"its Split pre_tokenizer behaviour {_splitBehavior} is not supported");
        }

        // Decoder.
        if (root.TryGetProperty("decoder", out var dec) && dec.ValueKind == JsonValueKind.Object)
            AddDecoder(dec);
    }

    private string Name(JsonProperty p)
    {
        try { return p.Name; }
        catch (InvalidOperationException) { throw Unsupported("a vocabulary piece is not valid Unicode (an unpaired surrogate escape)"); }
    }

    /// <summary>A token id: an integer in [0, <paramref name="limit"/>).</summary>
    private int Id(JsonElement value, long limit, string field)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long id))
            throw Unsupported($"{field} must be an integer id, got {StrictJson.Show(value)}");
        if (id < 0 || id >= limit)
            throw Unsupported($"{field} is id {id:N0}, outside 0…{limit - 1:N0} (ids number the vocabulary and the added tokens)");
        return (int)id;
    }

    private static string Printable(string s) => MessageText.Printable(s);

    private void AddNormalizer(JsonElement n, ref bool lower)
    {
        string type = n.GetProperty("type").GetString()!;
        switch (type)
        {
            case "Sequence":
                foreach (var child in n.GetProperty("normalizers").EnumerateArray()) AddNormalizer(child, ref lower);
                break;
            case "Replace":
                if (!n.GetProperty("pattern").TryGetProperty("String", out var pat)) throw Unsupported("its Replace normalizer uses a regex pattern");
                string from = pat.GetString()!, to = n.GetProperty("content").GetString()!;
                if (from.Length == 0) throw Unsupported("its Replace normalizer has an empty pattern");
                _normalizers.Add(s => s.Replace(from, to, StringComparison.Ordinal));
                break;
            case "Lowercase":
                lower = true;
                if (ApplyLowercaseNormalizer) _normalizers.Add(TextLowercasing.UnicodeLowerPerCharacter);
                break;
            default:
                throw Unsupported($"its normalizer {type} is not supported (only Replace, Lowercase and Sequence, as in Gemma/SigLIP 2 files)");
        }
    }

    private void AddDecoder(JsonElement d)
    {
        string type = d.GetProperty("type").GetString()!;
        switch (type)
        {
            case "Sequence":
                foreach (var child in d.GetProperty("decoders").EnumerateArray()) AddDecoder(child);
                break;
            case "Replace":
                if (!d.GetProperty("pattern").TryGetProperty("String", out var pattern)) throw Unsupported("its Replace decoder uses a regex pattern");
                if (pattern.GetString()!.Length == 0) throw Unsupported("its Replace decoder has an empty pattern");
                _decoders.Add(new DecoderStep(type, From: pattern.GetString()!, To: d.GetProperty("content").GetString()!));
                break;
            case "Strip":
                _decoders.Add(new DecoderStep(type, To: d.GetProperty("content").GetString()!, Start: d.GetProperty("start").GetInt32(), Stop: d.GetProperty("stop").GetInt32()));
                break;
            case "ByteFallback" or "Fuse":
                _decoders.Add(new DecoderStep(type));
                break;
            default:
                throw Unsupported($"its decoder {type} is not supported (only Replace, ByteFallback, Fuse, Strip and Sequence)");
        }
    }

    public string IdToPiece(int id)
    {
        if ((uint)id >= (uint)_idToToken.Length || _idToToken[id] is null)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"id outside the vocabulary of '{_path}'");
        return _idToToken[id];
    }

    public int? PieceToId(string piece) =>
        _addedTokens.TryGetValue(piece, out int id) || _vocab.TryGetValue(piece, out id) ? id : null;

    public int[] Encode(string text)
    {
        var ids = new List<int>();
        ReadOnlySpan<char> s = text;
        int segmentStart = 0;
        for (int pos = 0; pos < s.Length;)
        {
            int len = _rawAdded.MatchAt(s, pos, out int addedId);
            if (len == 0) { pos++; continue; }
            if (pos > segmentStart) EncodeSegment(text[segmentStart..pos], ids);
            ids.Add(addedId);
            pos += len;
            segmentStart = pos;
        }
        if (segmentStart < s.Length) EncodeSegment(text[segmentStart..], ids);
        return ids.ToArray();
    }

    private void EncodeSegment(string segment, List<int> ids)
    {
        foreach (var normalize in _normalizers) segment = normalize(segment);
        if (_normalizedAdded.Count == 0) { PreTokenizeAndEncode(segment, ids); return; }
        int start = 0;
        for (int pos = 0; pos < segment.Length;)
        {
            int len = _normalizedAdded.MatchAt(segment, pos, out int addedId);
            if (len == 0) { pos++; continue; }
            if (pos > start) PreTokenizeAndEncode(segment[start..pos], ids);
            ids.Add(addedId);
            pos += len;
            start = pos;
        }
        if (start < segment.Length) PreTokenizeAndEncode(segment[start..], ids);
    }

    private void PreTokenizeAndEncode(string text, List<int> ids)
    {
        if (_splitPattern is null) { EncodeWord(text, ids); return; }
        int start = 0;
        for (int at = text.IndexOf(_splitPattern, StringComparison.Ordinal); at >= 0; at = text.IndexOf(_splitPattern, at + _splitPattern.Length, StringComparison.Ordinal))
        {
            int end = at + _splitPattern.Length;
            switch (_splitBehavior)
            {
                case "MergedWithPrevious": EncodeWord(text[start..end], ids); start = end; break;
                case "MergedWithNext": EncodeWord(text[start..at], ids); start = at; break;
                case "Isolated": EncodeWord(text[start..at], ids); EncodeWord(text[at..end], ids); start = end; break;
                case "Removed": EncodeWord(text[start..at], ids); start = end; break;
            }
        }
        EncodeWord(text[start..], ids);
    }

    private struct Symbol { public int Id, Prev, Next, Length; }

    /// <summary>The BPE model on one pre-tokenized word (tokenizers' <c>BPE::merge_word</c> + <c>Word::merge_all</c>).</summary>
    private void EncodeWord(string word, List<int> ids)
    {
        if (word.Length == 0) return;
        if (_ignoreMerges && _vocab.TryGetValue(word, out int whole)) { ids.Add(whole); return; }

        var symbols = new List<Symbol>(word.Length);
        void Add(int id, int length) => symbols.Add(new Symbol { Id = id, Length = length });
        int pendingUnkId = -1, pendingUnkLength = 0;
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < word.Length;)
        {
            int len = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            var ch = word.AsSpan(i, len);
            i += len;
            if (_vocabLookup.TryGetValue(ch, out int id))
            {
                if (pendingUnkId >= 0) { Add(pendingUnkId, pendingUnkLength); pendingUnkId = -1; }
                Add(id, len);
                continue;
            }
            if (_byteFallback)
            {
                int n = Encoding.UTF8.GetBytes(ch, utf8);
                bool all = true;
                for (int k = 0; k < n; k++) all &= _byteIds[utf8[k]] >= 0;
                if (all)
                {
                    for (int k = 0; k < n; k++) Add(_byteIds[utf8[k]], 1);
                    continue;
                }
            }
            if (_unkId is int unk)
            {
                if (pendingUnkId >= 0 && _fuseUnk) pendingUnkLength += len;
                else
                {
                    if (pendingUnkId >= 0) Add(pendingUnkId, pendingUnkLength);
                    pendingUnkId = unk;
                    pendingUnkLength = len;
                }
            }
        }
        if (pendingUnkId >= 0) Add(pendingUnkId, pendingUnkLength);

        var sym = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(symbols);
        for (int k = 0; k < sym.Length; k++) { sym[k].Prev = k - 1; sym[k].Next = k + 1 < sym.Length ? k + 1 : -1; }

        // Lowest rank first, leftmost on ties.
        var queue = new PriorityQueue<(int Pos, int NewId), (int Rank, int Pos)>();
        for (int k = 0; k + 1 < sym.Length; k++)
            if (_merges.TryGetValue(PairKey(sym[k].Id, sym[k + 1].Id), out var m)) queue.Enqueue((k, m.NewId), (m.Rank, k));
        while (queue.TryDequeue(out var top, out _))
        {
            ref var cur = ref sym[top.Pos];
            if (cur.Length == 0 || cur.Next < 0) continue;
            int nextPos = cur.Next;
            var right = sym[nextPos];
            if (!_merges.TryGetValue(PairKey(cur.Id, right.Id), out var now) || now.NewId != top.NewId) continue; // stale
            cur.Id = top.NewId;
            cur.Length += right.Length;
            cur.Next = right.Next;
            sym[nextPos].Length = 0;
            if (right.Next >= 0) sym[right.Next].Prev = top.Pos;
            if (cur.Prev >= 0 && _merges.TryGetValue(PairKey(sym[cur.Prev].Id, cur.Id), out var mp))
                queue.Enqueue((cur.Prev, mp.NewId), (mp.Rank, cur.Prev));
            if (cur.Next >= 0 && _merges.TryGetValue(PairKey(cur.Id, sym[cur.Next].Id), out var mn))
                queue.Enqueue((top.Pos, mn.NewId), (mn.Rank, top.Pos));
        }
        foreach (var s in sym) if (s.Length != 0) ids.Add(s.Id);
    }

    /// <summary>Runs the file's decoder chain over the tokens of <paramref name="ids"/>, special tokens included.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var tokens = ids.Select(IdToPiece).ToList();
        foreach (var d in _decoders)
        {
            switch (d.Type)
            {
                case "Replace":
                {
                    for (int i = 0; i < tokens.Count; i++) tokens[i] = tokens[i].Replace(d.From, d.To, StringComparison.Ordinal);
                    break;
                }
                case "ByteFallback":
                {
                    var result = new List<string>(tokens.Count);
                    var bytes = new List<byte>();
                    var sb = new StringBuilder();
                    foreach (var t in tokens)
                    {
                        int b = BytePieces.Parse(t);
                        if (b >= 0) { bytes.Add((byte)b); continue; }
                        if (bytes.Count > 0) { BytePieces.AppendAllOrNothing(sb, bytes); result.Add(sb.ToString()); sb.Clear(); }
                        result.Add(t);
                    }
                    if (bytes.Count > 0) { BytePieces.AppendAllOrNothing(sb, bytes); result.Add(sb.ToString()); }
                    tokens = result;
                    break;
                }
                case "Fuse":
                    tokens = [string.Concat(tokens)];
                    break;
                case "Strip":
                {
                    for (int i = 0; i < tokens.Count; i++) tokens[i] = Strip(tokens[i], d.To, d.Start, d.Stop);
                    break;
                }
            }
        }
        return string.Concat(tokens);
    }

    private static string Strip(string token, string content, int start, int stop)
    {
        if (content.Length != 1) return token;
        char c = content[0];
        int left = 0, right = token.Length;
        while (left < right && left < start && token[left] == c) left++;
        int removed = 0;
        while (right > left && removed < stop && token[right - 1] == c) { right--; removed++; }
        return token[left..right];
    }

    private static long PairKey(int a, int b) => ((long)a << 32) | (uint)b;
    private static bool IsSet(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0;
    private static bool GetBool(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
    private Siglip2Exception Unsupported(string why) =>
        new($"Tokenizer file '{_path}' cannot be used: {why}. Use the SigLIP 2 checkpoint's own tokenizer.json or tokenizer.model.");
}
