using System.Globalization;
using System.Text;
using System.Text.Json;
using Siglip2.Configuration;

namespace Siglip2.Checkpoints;

/// <summary>
/// The validated header of a safetensors file: every check of the format's reference implementation, each failure a
/// one-line <see cref="Siglip2Exception"/> naming the file and the tensor or field.
/// <list type="bullet">
/// <item>an 8-byte little-endian header length, non-zero, at most 100,000,000 and at most what follows it;</item>
/// <item>a header that is valid UTF-8 JSON whose top level is an object (no duplicate names, nothing after it but
/// whitespace);</item>
/// <item>an optional <c>__metadata__</c> object of string values;</item>
/// <item>every other entry an object with a known <c>dtype</c>, a <c>shape</c> of non-negative integers below 2⁶³ and
/// <c>data_offsets</c> of exactly two integers below 2⁶⁴ with begin ≤ end, whose span is exactly the element count
/// times the element size (computed without overflow);</item>
/// <item>sorted by offset, the tensors tile the data buffer exactly: the first begins at 0, each begins where the one
/// before ends, and the last ends at the end of the file (zero-size tensors are allowed).</item>
/// </list>
/// </summary>
public sealed class SafeTensorsHeader
{
    /// <summary>Bytes before the header: its length as a little-endian unsigned 64-bit integer.</summary>
    public const int LengthPrefixBytes = 8;

    /// <summary>The largest header the format allows (the reference implementation's cap).</summary>
    public const long MaxHeaderBytes = InputLimits.SafeTensorsHeaderBytes;

    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>Offset of the data buffer in the file (8 + header length).</summary>
    public long DataStart { get; }
    /// <summary>Bytes of the data buffer (the file's length minus <see cref="DataStart"/>).</summary>
    public long DataLength { get; }

    private SafeTensorsHeader(Dictionary<string, SafeTensorInfo> tensors, Dictionary<string, string> metadata, long dataStart, long dataLength)
    {
        Tensors = tensors; Metadata = metadata; DataStart = dataStart; DataLength = dataLength;
    }

    /// <summary>
    /// Validates a whole safetensors file held in memory (what <see cref="SafeTensorsFile.Open"/> checks, for fuzzing
    /// and for bytes that never were a file); <paramref name="where"/> names it in errors.
    /// </summary>
    public static SafeTensorsHeader Parse(ReadOnlySpan<byte> file, string where)
    {
        if (file.Length < LengthPrefixBytes) throw TooShort(where, file.Length);
        ulong headerLength = BitConverter.ToUInt64(file[..LengthPrefixBytes]);
        CheckLength(headerLength, file.Length, where);
        return Parse(file.Slice(LengthPrefixBytes, (int)headerLength), file.Length, where);
    }

    internal static Siglip2Exception TooShort(string where, long length) =>
        new($"{where}: not a safetensors file: it holds only {length} bytes, fewer than the 8-byte header length the format starts with");

    /// <summary>Checks the header length read from the first 8 bytes against the format's cap and the file's length.</summary>
    internal static void CheckLength(ulong headerLength, long fileLength, string where)
    {
        if (headerLength == 0)
            throw new Siglip2Exception($"{where}: not a safetensors file: its header length is 0 (the first 8 bytes must give the length of a JSON header)");
        if (headerLength > MaxHeaderBytes)
            throw new Siglip2Exception($"{where}: header length {N(headerLength)} exceeds the {N(MaxHeaderBytes)}-byte header cap of the safetensors format (not a safetensors file, or a corrupt one)");
        long after = fileLength - LengthPrefixBytes;
        if ((long)headerLength > after)
            throw new Siglip2Exception($"{where}: header length {N(headerLength)} is more than the {N(after)} bytes that follow it in the file (truncated download, or not a safetensors file)");
    }

    /// <summary>Parses and validates the JSON header of a file of <paramref name="fileLength"/> bytes.</summary>
    internal static SafeTensorsHeader Parse(ReadOnlySpan<byte> header, long fileLength, string where)
    {
        long dataStart = LengthPrefixBytes + (long)header.Length;
        long dataLength = fileLength - dataStart;
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw new Siglip2Exception($"{where}: the safetensors header is not valid UTF-8 (invalid byte at file offset {LengthPrefixBytes + FirstInvalidUtf8(header)}); the file is corrupt — re-download or re-export it");
        var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<Entry>();
        bool sawMetadata = false;
        var reader = new Utf8JsonReader(header, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            MaxDepth = 64,
        });
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new Siglip2Exception($"{where}: the safetensors header must be a JSON object of tensors, got {Show(ref reader, where)}; not a safetensors file");
            while (true)
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string name = Name(ref reader, where, "a tensor name");
                if (name == "__metadata__")
                {
                    if (sawMetadata) throw new Siglip2Exception($"{where}: the header has '__metadata__' twice");
                    sawMetadata = true;
                    ReadMetadata(ref reader, metadata, where);
                    continue;
                }
                if (tensors.ContainsKey(name)) throw Duplicate(where, name);
                var entry = ReadEntry(ref reader, name, where);
                tensors[name] = new SafeTensorInfo(name, entry.DType, entry.Shape, 0, 0); // offsets set once tiled
                entries.Add(entry);
            }
            // Only whitespace may follow the object (the writers pad the header with spaces).
            if (reader.Read())
                throw new Siglip2Exception($"{where}: the safetensors header has data after its JSON object (at header byte {reader.TokenStartIndex}); the file is corrupt");
        }
        catch (JsonException e)
        {
            throw new Siglip2Exception($"{where}: the safetensors header is not valid JSON ({Describe(e)}); the file is corrupt — re-download it", e);
        }
        Tile(entries, dataLength, where);
        foreach (var e in entries)
            tensors[e.Name] = new SafeTensorInfo(e.Name, e.DType, e.Shape, (long)e.Begin, (long)e.End);
        return new SafeTensorsHeader(tensors, metadata, dataStart, dataLength);
    }

    private sealed record Entry(string Name, string DType, long[] Shape, ulong Begin, ulong End);

    private static Siglip2Exception Duplicate(string where, string name) =>
        new($"{where}: tensor '{Printable(name)}' appears twice in the header (each tensor must be named once; the file is corrupt)");

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string where)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null) return; // the reference reads an absent map as null
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new Siglip2Exception($"{where}: '__metadata__' must be an object of strings, got {Show(ref reader, where)}");
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject) return;
            string key = Name(ref reader, where, "a '__metadata__' key");
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw new Siglip2Exception($"{where}: '__metadata__' field '{Printable(key)}' must be a string, got {Show(ref reader, where)}");
            string value = String(ref reader, where, $"'__metadata__' field '{Printable(key)}'");
            if (!metadata.TryAdd(key, value))
                throw new Siglip2Exception($"{where}: '__metadata__' has the key '{Printable(key)}' twice");
        }
    }

    private static Entry ReadEntry(ref Utf8JsonReader reader, string name, string where)
    {
        string tensor = $"{where}: tensor '{Printable(name)}'";
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new Siglip2Exception($"{tensor}: its entry must be an object with dtype, shape and data_offsets, got {Show(ref reader, where)}");
        string? dtype = null;
        long[]? shape = null;
        ulong[]? offsets = null;
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string field = Name(ref reader, where, $"a field name of tensor '{Printable(name)}'");
            reader.Read();
            switch (field)
            {
                case "dtype":
                    if (dtype != null) throw new Siglip2Exception($"{tensor}: 'dtype' is given twice");
                    if (reader.TokenType != JsonTokenType.String)
                        throw new Siglip2Exception($"{tensor}: 'dtype' must be a string such as \"F32\", got {Show(ref reader, where)}");
                    dtype = String(ref reader, where, $"the dtype of tensor '{Printable(name)}'");
                    if (!SafeTensorsDType.TryElementSize(dtype, out _))
                        throw new Siglip2Exception($"{tensor} has unknown dtype '{Printable(dtype)}' (the safetensors dtypes are {string.Join(", ", SafeTensorsDType.Known)})");
                    break;
                case "shape":
                    if (shape != null) throw new Siglip2Exception($"{tensor}: 'shape' is given twice");
                    shape = ReadIntegers(ref reader, tensor, "shape", where, long.MaxValue)
                        .Select(v => (long)v).ToArray();
                    break;
                case "data_offsets":
                    if (offsets != null) throw new Siglip2Exception($"{tensor}: 'data_offsets' is given twice");
                    offsets = ReadIntegers(ref reader, tensor, "data_offsets", where, ulong.MaxValue);
                    if (offsets.Length != 2)
                        throw new Siglip2Exception($"{tensor}: 'data_offsets' must hold exactly 2 integers [begin, end], got {offsets.Length}");
                    if (offsets[0] > offsets[1])
                        throw new Siglip2Exception($"{tensor}: data_offsets [{offsets[0]}, {offsets[1]}] end before they begin");
                    break;
                default:
                    reader.Skip(); // the reference ignores unknown fields
                    break;
            }
        }
        if (dtype == null) throw new Siglip2Exception($"{tensor} has no 'dtype'");
        if (shape == null) throw new Siglip2Exception($"{tensor} has no 'shape'");
        if (offsets == null) throw new Siglip2Exception($"{tensor} has no 'data_offsets'");
        ulong span = offsets[1] - offsets[0];
        ulong? needed = ByteCount(shape, SafeTensorsDType.ElementSize(dtype));
        if (needed != span)
            throw new Siglip2Exception($"{tensor}: shape [{string.Join(", ", shape)}] of {dtype} needs "
                + (needed is { } n ? $"{N(n)} bytes" : "more than 2^64 bytes")
                + $", but data_offsets [{offsets[0]}, {offsets[1]}] span {N(span)}; the header is corrupt");
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    /// <summary>Element count × element size, or null when it does not fit in 64 bits.</summary>
    private static ulong? ByteCount(long[] shape, int elementSize)
    {
        if (shape.Contains(0)) return 0;
        ulong total = (ulong)elementSize;
        foreach (long d in shape)
        {
            if (total > ulong.MaxValue / (ulong)d) return null;
            total *= (ulong)d;
        }
        return total;
    }

    /// <summary>A JSON array of non-negative integers of at most <paramref name="max"/>.</summary>
    private static ulong[] ReadIntegers(ref Utf8JsonReader reader, string tensor, string field, string where, ulong max)
    {
        string bound = max == ulong.MaxValue ? "2^64" : "2^63";
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new Siglip2Exception($"{tensor}: '{field}' must be an array of non-negative integers, got {Show(ref reader, where)}");
        var values = new List<ulong>();
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray) return values.ToArray();
            if (values.Count >= 1024)
                throw new Siglip2Exception($"{tensor}: '{field}' has more than 1024 entries; the header is corrupt");
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out ulong v) || v > max)
                throw new Siglip2Exception($"{tensor}: {field}[{values.Count}] must be a non-negative integer below {bound}, got {Show(ref reader, where)}");
            values.Add(v);
        }
    }

    /// <summary>
    /// Sorted by offset, the tensors must cover the data buffer exactly once: no overlap, no hole, nothing after the
    /// last one, nothing missing at the end.
    /// </summary>
    private static void Tile(List<Entry> entries, long dataLength, string where)
    {
        entries.Sort((a, b) =>
        {
            int c = a.Begin.CompareTo(b.Begin);
            if (c == 0) c = a.End.CompareTo(b.End);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });
        ulong position = 0;
        Entry? previous = null;
        foreach (var e in entries)
        {
            if (e.Begin < position)
                throw new Siglip2Exception($"{where}: tensors '{Printable(previous!.Name)}' (data bytes {previous.Begin}–{previous.End}) and '{Printable(e.Name)}' (data bytes {e.Begin}–{e.End}) overlap; the file is corrupt");
            if (e.Begin > position)
                throw new Siglip2Exception(previous is null
                    ? $"{where}: the data buffer has {N(e.Begin - position)} unused bytes before the first tensor '{Printable(e.Name)}' (data_offsets must start at 0 and leave no gaps); the file is corrupt"
                    : $"{where}: the data buffer has {N(e.Begin - position)} unused bytes between tensors '{Printable(previous.Name)}' (ends at {previous.End}) and '{Printable(e.Name)}' (begins at {e.Begin}); the file is corrupt");
            if (e.End > (ulong)dataLength)
                throw new Siglip2Exception($"{where}: tensor '{Printable(e.Name)}' ends at data byte {N(e.End)}, but the file holds only {N(dataLength)} data bytes after the header (truncated or corrupt file; re-download it)");
            position = e.End;
            previous = e;
        }
        if (position < (ulong)dataLength)
            throw new Siglip2Exception(previous is null
                ? $"{where}: {N((ulong)dataLength)} trailing bytes after a header that lists no tensors; the file is corrupt or was appended to"
                : $"{where}: {N((ulong)dataLength - position)} trailing bytes after the last tensor '{Printable(previous.Name)}' (the data buffer holds {N(dataLength)} bytes, the tensors {N(position)}); the file is corrupt or was appended to");
    }

    /// <summary>The current property name (the reader stands on a PropertyName token).</summary>
    private static string Name(ref Utf8JsonReader reader, string where, string what)
    {
        if (reader.TokenType != JsonTokenType.PropertyName)
            throw new InvalidOperationException($"expected a property name, got {reader.TokenType}"); // the reader guarantees it
        return String(ref reader, where, what);
    }

    /// <summary>
    /// The current string; an escape that is not valid Unicode (a lone surrogate such as \ud800) makes
    /// System.Text.Json throw InvalidOperationException, turned here into the user's error.
    /// </summary>
    private static string String(ref Utf8JsonReader reader, string where, string what)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new Siglip2Exception($"{where}: {what} at header byte {reader.TokenStartIndex} is not valid Unicode (an unpaired surrogate escape); the file is corrupt");
        }
    }

    /// <summary>A token for an error message: the value of a scalar (shortened), or the kind of a container.</summary>
    private static string Show(ref Utf8JsonReader reader, string where) => reader.TokenType switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => $"the string \"{Shorten(Printable(String(ref reader, where, "a string")))}\"",
        JsonTokenType.Number => $"the number {Shorten(Encoding.UTF8.GetString(reader.ValueSpan))}",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        _ => reader.TokenType.ToString(),
    };

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..59] + "…";

    /// <summary>A name as it can be printed on one line: control characters escaped, very long names shortened.</summary>
    internal static string Printable(string name) => MessageText.Printable(name);

    private static string Describe(JsonException e)
    {
        string message = e.Message.Split('\n')[0].Trim();
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut].TrimEnd();
        message = message.TrimEnd('.');
        if (e.LineNumber is { } line)
            message += $" at line {line + 1}" + (e.BytePositionInLine is { } col ? $", byte {col + 1}" : "");
        return message;
    }

    private static long FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed) != System.Buffers.OperationStatus.Done)
                return offset;
            offset += consumed;
        }
        return offset;
    }

    internal static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    internal static string N(ulong value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
