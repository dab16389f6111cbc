using System.Text;
using Siglip2.Configuration;

namespace Siglip2.Processing.Text;

/// <summary>Piece types of a SentencePiece <c>ModelProto</c> (sentencepiece_model.proto).</summary>
public enum SentencePieceType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}

/// <summary>One vocabulary entry of a SentencePiece model.</summary>
public readonly record struct SentencePieceEntry(string Piece, float Score, SentencePieceType Type);

/// <summary>
/// The parts of a SentencePiece <c>tokenizer.model</c> (a serialized <c>ModelProto</c>) that encoding needs,
/// read with a small hand-written protobuf reader (the wire format is varints, fixed32 and length-delimited fields).
/// </summary>
public sealed class SentencePieceModel
{
    public required string SourcePath { get; init; }
    public required IReadOnlyList<SentencePieceEntry> Pieces { get; init; }
    /// <summary>TrainerSpec.model_type: 1 unigram, 2 BPE, 3 word, 4 char.</summary>
    public int ModelType { get; init; } = 1;
    public bool ByteFallback { get; init; }
    public bool TreatWhitespaceAsSuffix { get; init; }
    public int UnkId { get; init; } = 0;
    public int BosId { get; init; } = 1;
    public int EosId { get; init; } = 2;
    public int PadId { get; init; } = -1;
    public string UnkSurface { get; init; } = " \u2047 ";
    public string NormalizerName { get; init; } = "";
    public int PrecompiledCharsMapLength { get; init; }
    public bool AddDummyPrefix { get; init; } = true;
    public bool RemoveExtraWhitespaces { get; init; } = true;
    public bool EscapeWhitespaces { get; init; } = true;

    /// <summary>Reads a regular file of at most <see cref="InputLimits.TokenizerBytes"/> (a FIFO or folder is an error, not a hang).</summary>
    public static SentencePieceModel Read(string path) =>
        Parse(InputFile.ReadAllBytes(path, "tokenizer.model", InputLimits.TokenizerBytes), path);

    /// <summary>Parses a serialized <c>ModelProto</c>; <paramref name="where"/> names the source in errors. Any malformed input is a <see cref="Siglip2Exception"/>.</summary>
    public static SentencePieceModel Parse(byte[] data, string where)
    {
        try
        {
            return ParseProto(data, where);
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException or DecoderFallbackException)
        {
            string why = e is DecoderFallbackException ? "a piece or name is not valid UTF-8" : e.Message;
            throw new Siglip2Exception($"'{where}' is not a valid SentencePiece model (protobuf ModelProto): {why}. Re-download tokenizer.model from the checkpoint.", e);
        }
    }

    private static SentencePieceModel ParseProto(byte[] data, string path)
    {
        var pieces = new List<SentencePieceEntry>();
        var reader = new ProtoReader(data, 0, data.Length);
        int modelType = 1, unkId = 0, bosId = 1, eosId = 2, padId = -1, charsMap = 0;
        bool byteFallback = false, suffix = false, dummy = true, removeWs = true, escapeWs = true;
        string unkSurface = " \u2047 ", normName = "";
        while (reader.Next(out int field, out int wire))
        {
            switch (field, wire)
            {
                case (1, 2):
                {
                    var (s, e) = reader.Bytes();
                    var sub = new ProtoReader(data, s, e);
                    string piece = ""; float score = 0; int type = 1;
                    while (sub.Next(out int f, out int w))
                    {
                        if (f == 1 && w == 2) piece = sub.String();
                        else if (f == 2 && w == 5) score = sub.Fixed32Float();
                        else if (f == 3 && w == 0) type = Int32(sub.Varint());
                        else sub.Skip(w);
                    }
                    if (type is < (int)SentencePieceType.Normal or > (int)SentencePieceType.Byte)
                        throw new FormatException($"piece #{pieces.Count} has type {type}, not one of 1…6 (normal, unknown, control, user-defined, unused, byte)");
                    if (piece.Length == 0)
                        throw new FormatException($"piece #{pieces.Count} is empty");
                    pieces.Add(new SentencePieceEntry(piece, score, (SentencePieceType)type));
                    break;
                }
                case (2, 2):
                {
                    var (s, e) = reader.Bytes();
                    var sub = new ProtoReader(data, s, e);
                    while (sub.Next(out int f, out int w))
                    {
                        switch (f, w)
                        {
                            case (3, 0): modelType = Int32(sub.Varint()); break;
                            case (24, 0): suffix = sub.Varint() != 0; break;
                            case (35, 0): byteFallback = sub.Varint() != 0; break;
                            case (40, 0): unkId = Int32(sub.Varint()); break;
                            case (41, 0): bosId = Int32(sub.Varint()); break;
                            case (42, 0): eosId = Int32(sub.Varint()); break;
                            case (43, 0): padId = Int32(sub.Varint()); break;
                            case (44, 2): unkSurface = sub.String(); break;
                            default: sub.Skip(w); break;
                        }
                    }
                    break;
                }
                case (3, 2):
                {
                    var (s, e) = reader.Bytes();
                    var sub = new ProtoReader(data, s, e);
                    while (sub.Next(out int f, out int w))
                    {
                        switch (f, w)
                        {
                            case (1, 2): normName = sub.String(); break;
                            case (2, 2): { var (bs, be) = sub.Bytes(); charsMap = be - bs; break; }
                            case (3, 0): dummy = sub.Varint() != 0; break;
                            case (4, 0): removeWs = sub.Varint() != 0; break;
                            case (5, 0): escapeWs = sub.Varint() != 0; break;
                            default: sub.Skip(w); break;
                        }
                    }
                    break;
                }
                default: reader.Skip(wire); break;
            }
        }
        if (pieces.Count == 0) throw new FormatException("no vocabulary pieces");
        foreach (var (name, id) in new[] { ("unk_id", unkId), ("bos_id", bosId), ("eos_id", eosId), ("pad_id", padId) })
            if (id < -1 || id >= pieces.Count)
                throw new FormatException($"trainer_spec.{name} is {id}, outside the {pieces.Count:N0} pieces (-1 means none)");
        return new SentencePieceModel
        {
            SourcePath = path, Pieces = pieces, ModelType = modelType, ByteFallback = byteFallback,
            TreatWhitespaceAsSuffix = suffix, UnkId = unkId, BosId = bosId, EosId = eosId, PadId = padId,
            UnkSurface = unkSurface, NormalizerName = normName, PrecompiledCharsMapLength = charsMap,
            AddDummyPrefix = dummy, RemoveExtraWhitespaces = removeWs, EscapeWhitespaces = escapeWs,
        };
    }

    // int32 fields are sign-extended 64-bit varints on the wire (-1 is ten bytes); anything else out of range is malformed
    private static int Int32(ulong v) =>
        (long)v is >= int.MinValue and <= int.MaxValue ? (int)(long)v : throw new FormatException($"an int32 field holds {(long)v}");

    /// <summary>Minimal protobuf wire-format reader over a byte range.</summary>
    private struct ProtoReader(byte[] data, int position, int end)
    {
        private int _pos = position;

        public bool Next(out int field, out int wire)
        {
            field = wire = 0;
            if (_pos >= end) return false;
            ulong key = Varint();
            field = (int)(key >> 3);
            wire = (int)(key & 7);
            if (field == 0) throw new FormatException($"field number 0 at byte {_pos}");
            return true;
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (_pos >= end) throw new FormatException("truncated varint");
                byte b = data[_pos++];
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return result;
            }
            throw new FormatException("varint too long");
        }

        public float Fixed32Float()
        {
            if (_pos + 4 > end) throw new FormatException("truncated fixed32");
            float v = BitConverter.ToSingle(data, _pos);
            _pos += 4;
            return v;
        }

        public (int Start, int End) Bytes()
        {
            ulong len = Varint();
            if (len > (ulong)(end - _pos)) throw new FormatException("length-delimited field runs past its message");
            int s = _pos;
            _pos += (int)len;
            return (s, _pos);
        }

        public string String()
        {
            var (s, e) = Bytes();
            return new UTF8Encoding(false, true).GetString(data, s, e - s);
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: _pos += 8; break;
                case 2: Bytes(); break;
                case 5: _pos += 4; break;
                default: throw new FormatException($"unsupported wire type {wire}");
            }
            if (_pos > end) throw new FormatException("field runs past its message");
        }
    }
}
