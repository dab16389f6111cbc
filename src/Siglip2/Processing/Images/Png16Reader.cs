using System.Buffers.Binary;
using System.IO.Compression;

namespace Siglip2.Processing.Images;

/// <summary>
/// Reads the first channel of a PNG at its full bit depth: 16-bit depth maps (millimetres, as NYUv2 exports and most
/// depth datasets store them) and 8-bit label maps. Written here because SkiaSharp (and BigGustave) decode 16-bit
/// PNGs to 8 bits, which loses the depth. Grayscale, gray+alpha, RGB and RGBA at 8 or 16 bits, non-interlaced; the
/// zlib stream is System.IO.Compression's. Anything else is a one-line error.
/// </summary>
public static class Png16Reader
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>(width, height, values row-major, bit depth) of the PNG's first channel.</summary>
    public static (int Width, int Height, ushort[] Values, int BitDepth) ReadFirstChannel(ReadOnlySpan<byte> png, string sourceName)
    {
        if (png.Length < 33 || !png[..8].SequenceEqual(Signature)) Fail(sourceName, "not a PNG file");
        int pos = 8, width = 0, height = 0, bitDepth = 0, colorType = -1;
        using var idat = new MemoryStream();
        while (pos + 12 <= png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png[pos..]);
            if (length < 0 || pos + 12 + (long)length > png.Length) Fail(sourceName, "a chunk runs past the end of the file (truncated?)");
            var type = png.Slice(pos + 4, 4);
            var data = png.Slice(pos + 8, length);
            if (type.SequenceEqual("IHDR"u8))
            {
                if (length != 13) Fail(sourceName, "a malformed IHDR chunk");
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                bitDepth = data[8];
                colorType = data[9];
                if (data[12] != 0) Fail(sourceName, "interlaced PNGs are not supported; re-save it without interlacing");
            }
            else if (type.SequenceEqual("IDAT"u8)) idat.Write(data);
            else if (type.SequenceEqual("IEND"u8)) break;
            pos += 12 + length;
        }
        int channels = colorType switch { 0 => 1, 4 => 2, 2 => 3, 6 => 4, _ => 0 };
        if (channels == 0) Fail(sourceName, $"PNG colour type {colorType} (palette or unknown) is not supported; store depth/labels as grayscale");
        if (bitDepth is not (8 or 16)) Fail(sourceName, $"bit depth {bitDepth} is not supported (8 or 16)");
        if (width <= 0 || height <= 0 || (long)width * height > InputLimitsPixels) Fail(sourceName, $"an image size of {width}x{height} is out of range");
        int bytesPerPixel = channels * bitDepth / 8, stride = width * bytesPerPixel;
        var raw = new byte[(long)(stride + 1) * height];
        idat.Position = 0;
        try
        {
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            int read = 0;
            while (read < raw.Length)
            {
                int n = z.Read(raw, read, raw.Length - read);
                if (n == 0) break;
                read += n;
            }
            if (read < raw.Length) Fail(sourceName, "the image data ends early (truncated file)");
        }
        catch (InvalidDataException) { Fail(sourceName, "the compressed image data is corrupt"); }
        var previous = new byte[stride];
        var current = new byte[stride];
        var values = new ushort[width * height];
        for (int y = 0; y < height; y++)
        {
            int filter = raw[(long)y * (stride + 1)];
            Array.Copy(raw, (long)y * (stride + 1) + 1, current, 0, stride);
            Unfilter(filter, current, previous, bytesPerPixel, sourceName);
            for (int x = 0; x < width; x++)
                values[y * width + x] = bitDepth == 16
                    ? (ushort)(current[x * bytesPerPixel] << 8 | current[x * bytesPerPixel + 1])
                    : current[x * bytesPerPixel];
            (previous, current) = (current, previous);
        }
        return (width, height, values, bitDepth);
    }

    private const long InputLimitsPixels = 100_000_000;

    private static void Unfilter(int filter, byte[] row, byte[] above, int bpp, string sourceName)
    {
        switch (filter)
        {
            case 0: return;
            case 1: for (int i = bpp; i < row.Length; i++) row[i] += row[i - bpp]; return;
            case 2: for (int i = 0; i < row.Length; i++) row[i] += above[i]; return;
            case 3:
                for (int i = 0; i < row.Length; i++) row[i] += (byte)(((i >= bpp ? row[i - bpp] : 0) + above[i]) >> 1);
                return;
            case 4:
                for (int i = 0; i < row.Length; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0, b = above[i], c = i >= bpp ? above[i - bpp] : 0;
                    int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                    row[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }
                return;
            default: Fail(sourceName, $"unknown PNG row filter {filter} (corrupt file)"); return;
        }
    }

    private static void Fail(string sourceName, string what) =>
        throw new Siglip2Exception($"{sourceName}: {what}");
}
