using System.Buffers.Binary;
using System.IO.Compression;

namespace Siglip2.Data;

/// <summary>The content of an IDX file: unsigned-byte elements and their dimensions (outermost first).</summary>
public sealed record IdxArray(int[] Dimensions, byte[] Data)
{
    public int Count => Dimensions[0];
    /// <summary>Elements per entry (product of all dimensions after the first).</summary>
    public int EntrySize => Dimensions.Skip(1).Aggregate(1, (a, b) => a * b);
}

/// <summary>
/// Reader of the IDX format used by MNIST and Fashion-MNIST: a 4-byte magic (two zero bytes, the element
/// type, the number of dimensions), one big-endian int32 per dimension, then the elements. Only unsigned
/// bytes (type 0x08) are accepted. Files ending in .gz are decompressed on the fly.
/// </summary>
public static class IdxFile
{
    public const byte UnsignedByteType = 0x08;

    /// <summary>Reads an IDX file; <paramref name="howToFix"/> is appended to every error message.</summary>
    public static IdxArray Read(string path, int expectedDimensions, string howToFix = "")
    {
        string fix = howToFix.Length == 0 ? "" : "; " + howToFix;
        if (!File.Exists(path)) throw new Siglip2Exception($"IDX file not found: {path}{fix}");
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? new GZipStream(file, CompressionMode.Decompress)
                : file;
            Span<byte> magic = stackalloc byte[4];
            if (ReadFully(stream, magic) < 4)
                throw new Siglip2Exception($"{path}: not an IDX file (shorter than its 4-byte header){fix}");
            if (magic[0] != 0 || magic[1] != 0 || magic[2] != UnsignedByteType || magic[3] != expectedDimensions)
                throw new Siglip2Exception(
                    $"{path}: not an unsigned-byte IDX file with {expectedDimensions} dimension(s) (magic {Convert.ToHexString(magic)}, expected 0000080{expectedDimensions}){fix}");
            var dims = new int[expectedDimensions];
            Span<byte> dimBytes = stackalloc byte[4];
            long total = 1;
            for (int d = 0; d < dims.Length; d++)
            {
                if (ReadFully(stream, dimBytes) < 4)
                    throw new Siglip2Exception($"{path}: truncated IDX header{fix}");
                dims[d] = BinaryPrimitives.ReadInt32BigEndian(dimBytes);
                if (dims[d] <= 0) throw new Siglip2Exception($"{path}: IDX dimension {d} is {dims[d]} (must be positive){fix}");
                total *= dims[d];
                if (total > Array.MaxLength) throw new Siglip2Exception($"{path}: IDX data of {total}+ bytes is too large{fix}");
            }
            var data = new byte[total];
            int got = ReadFully(stream, data);
            if (got < total)
                throw new Siglip2Exception($"{path}: truncated IDX data ({got} of {total} bytes for shape [{string.Join(',', dims)}]){fix}");
            Span<byte> extra = stackalloc byte[1];
            if (ReadFully(stream, extra) != 0)
                throw new Siglip2Exception($"{path}: IDX file is longer than its header says (shape [{string.Join(',', dims)}]){fix}");
            return new IdxArray(dims, data);
        }
        catch (InvalidDataException e)
        {
            throw new Siglip2Exception($"{path}: corrupt gzip data ({e.Message}){fix}", e);
        }
        catch (IOException e)
        {
            throw new Siglip2Exception($"{path}: cannot read ({e.Message}){fix}", e);
        }
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
