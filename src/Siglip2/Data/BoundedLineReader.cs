namespace Siglip2.Data;

/// <summary>
/// Reads a stream as '\n'-terminated lines of raw bytes (a trailing '\r' dropped), at most a given number of bytes
/// per line. Written here because StreamReader.ReadLine has no bound (one 10 GB line would be read whole into memory)
/// and decodes the whole stream at once, so one bad byte could not be confined to its line.
/// </summary>
public sealed class BoundedLineReader
{
    private readonly Stream _stream;
    private readonly int _maxBytes;
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _start, _end;

    public BoundedLineReader(Stream stream, int maxBytes, long firstLineNumber = 1)
    {
        _stream = stream;
        _maxBytes = maxBytes;
        FirstLineNumber = firstLineNumber;
        LineNumber = firstLineNumber - 1;
    }

    public long FirstLineNumber { get; }

    /// <summary>Number of the line last returned (1-based, counted from where reading started, plus <see cref="FirstLineNumber"/> − 1).</summary>
    public long LineNumber { get; private set; }

    /// <summary>Bytes consumed from the stream's starting position up to the start of the next line.</summary>
    public long BytesConsumed { get; private set; }

    /// <summary>
    /// The next line's bytes, or null at the end. A line over the limit is consumed to its end and returned as
    /// <paramref name="tooLong"/> true with no bytes.
    /// </summary>
    public byte[]? ReadLine(out bool tooLong)
    {
        tooLong = false;
        var line = new MemoryStream();
        bool any = false;
        while (true)
        {
            if (_start == _end)
            {
                _end = _stream.Read(_buffer, 0, _buffer.Length);
                _start = 0;
                if (_end == 0)
                {
                    if (!any) return null;
                    break;
                }
            }
            any = true;
            int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            int stop = newline < 0 ? _end : newline;
            if (!tooLong)
            {
                if (line.Length + (stop - _start) > _maxBytes) tooLong = true;
                else line.Write(_buffer, _start, stop - _start);
            }
            int next = newline < 0 ? _end : newline + 1;
            BytesConsumed += next - _start;
            _start = next;
            if (newline >= 0) break;
        }
        LineNumber++;
        if (tooLong) return [];
        var bytes = line.ToArray();
        return bytes.Length > 0 && bytes[^1] == '\r' ? bytes[..^1] : bytes;
    }
}
