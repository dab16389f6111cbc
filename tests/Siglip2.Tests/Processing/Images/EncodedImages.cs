using System.IO.Compression;
using SkiaSharp;

namespace Siglip2.Tests.Processing.Images;

/// <summary>
/// Builds small encoded image files byte by byte (PNG, BMP, GIF, WBMP, EXIF-tagged JPEG) so decoder tests know the
/// exact pixel values, independently of the decoder under test.
/// </summary>
internal static class EncodedImages
{
    // ---------------------------------------------------------------- PNG
    public const int PngGray = 0, PngRgb = 2, PngPalette = 3, PngGrayAlpha = 4, PngRgba = 6;

    /// <summary>A PNG from unfiltered scanline bytes (without the filter byte, which is added as 0 = None).</summary>
    public static byte[] Png(int width, int height, int colorType, int bitDepth, byte[] scanlines, byte[]? palette = null, byte[]? transparency = null)
    {
        int rowBytes = scanlines.Length / height;
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0);
            raw.Write(scanlines, y * rowBytes, rowBytes);
        }
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            z.Write(raw.ToArray());

        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        WriteBigEndian(ihdr, 0, (uint)width);
        WriteBigEndian(ihdr, 4, (uint)height);
        ihdr[8] = (byte)bitDepth;
        ihdr[9] = (byte)colorType;
        WriteChunk(png, "IHDR", ihdr);
        if (palette != null) WriteChunk(png, "PLTE", palette);
        if (transparency != null) WriteChunk(png, "tRNS", transparency);
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A PNG whose header claims <paramref name="width"/> × <paramref name="height"/> but whose data is one tiny row.</summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        var full = Png(1, 1, PngRgb, 8, [1, 2, 3]);
        // Patch IHDR's size (offset 16) and its CRC.
        WriteBigEndian(full, 16, (uint)width);
        WriteBigEndian(full, 20, (uint)height);
        WriteBigEndian(full, 29, Crc32(full.AsSpan(12, 4 + 13)));
        return full;
    }

    private static void WriteChunk(Stream s, string type, byte[] data)
    {
        var header = new byte[8];
        WriteBigEndian(header, 0, (uint)data.Length);
        for (int i = 0; i < 4; i++) header[4 + i] = (byte)type[i];
        s.Write(header);
        s.Write(data);
        var crcInput = new byte[4 + data.Length];
        Array.Copy(header, 4, crcInput, 0, 4);
        Array.Copy(data, 0, crcInput, 4, data.Length);
        var crc = new byte[4];
        WriteBigEndian(crc, 0, Crc32(crcInput));
        s.Write(crc);
    }

    private static void WriteBigEndian(byte[] b, int offset, uint v)
    {
        b[offset] = (byte)(v >> 24);
        b[offset + 1] = (byte)(v >> 16);
        b[offset + 2] = (byte)(v >> 8);
        b[offset + 3] = (byte)v;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return crc ^ 0xFFFFFFFF;
    }

    // ---------------------------------------------------------------- BMP
    /// <summary>A 24-bit bottom-up BMP from RGB (HWC) pixels.</summary>
    public static byte[] Bmp24(int width, int height, byte[] rgb)
    {
        int rowBytes = (width * 3 + 3) & ~3;
        int dataSize = rowBytes * height;
        var b = new byte[54 + dataSize];
        b[0] = (byte)'B'; b[1] = (byte)'M';
        BitConverter.TryWriteBytes(b.AsSpan(2), 54 + dataSize);
        BitConverter.TryWriteBytes(b.AsSpan(10), 54);
        BitConverter.TryWriteBytes(b.AsSpan(14), 40);
        BitConverter.TryWriteBytes(b.AsSpan(18), width);
        BitConverter.TryWriteBytes(b.AsSpan(22), height);
        BitConverter.TryWriteBytes(b.AsSpan(26), (short)1);
        BitConverter.TryWriteBytes(b.AsSpan(28), (short)24);
        BitConverter.TryWriteBytes(b.AsSpan(34), dataSize);
        for (int y = 0; y < height; y++)
        {
            int row = 54 + (height - 1 - y) * rowBytes;
            for (int x = 0; x < width; x++)
            {
                int s = (y * width + x) * 3;
                b[row + x * 3] = rgb[s + 2];
                b[row + x * 3 + 1] = rgb[s + 1];
                b[row + x * 3 + 2] = rgb[s];
            }
        }
        return b;
    }

    // ---------------------------------------------------------------- GIF
    /// <summary>A GIF89a with a 16-colour global palette (RGB triples) and one or more full-size frames of palette indices.</summary>
    public static byte[] Gif(int width, int height, byte[] palette16, params byte[][] frames)
    {
        var s = new MemoryStream();
        s.Write("GIF89a"u8);
        s.Write(BitConverter.GetBytes((ushort)width));
        s.Write(BitConverter.GetBytes((ushort)height));
        s.WriteByte(0x80 | 0x30 | 0x03); // global colour table, 16 entries (2^(3+1))
        s.WriteByte(0);
        s.WriteByte(0);
        s.Write(palette16);
        foreach (var indices in frames)
        {
            // Graphic control extension: no transparency, disposal unspecified, 10 ms.
            s.Write([0x21, 0xF9, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00]);
            s.WriteByte(0x2C);
            s.Write(BitConverter.GetBytes((ushort)0));
            s.Write(BitConverter.GetBytes((ushort)0));
            s.Write(BitConverter.GetBytes((ushort)width));
            s.Write(BitConverter.GetBytes((ushort)height));
            s.WriteByte(0);
            const int minCodeSize = 4;
            s.WriteByte(minCodeSize);
            var lzw = LzwLiteralsOnly(indices, minCodeSize);
            for (int i = 0; i < lzw.Length; i += 255)
            {
                int n = Math.Min(255, lzw.Length - i);
                s.WriteByte((byte)n);
                s.Write(lzw, i, n);
            }
            s.WriteByte(0);
        }
        s.WriteByte(0x3B);
        return s.ToArray();
    }

    /// <summary>Valid GIF LZW made of literal codes only, with a clear code often enough that the code width never grows.</summary>
    private static byte[] LzwLiteralsOnly(byte[] indices, int minCodeSize)
    {
        int clear = 1 << minCodeSize, end = clear + 1, width = minCodeSize + 1;
        int perChunk = (1 << minCodeSize) - 2;
        var output = new List<byte>();
        int bitBuffer = 0, bitCount = 0;
        void Emit(int code)
        {
            bitBuffer |= code << bitCount;
            bitCount += width;
            while (bitCount >= 8)
            {
                output.Add((byte)bitBuffer);
                bitBuffer >>= 8;
                bitCount -= 8;
            }
        }
        for (int i = 0; i < indices.Length; i++)
        {
            if (i % perChunk == 0) Emit(clear);
            Emit(indices[i]);
        }
        Emit(end);
        if (bitCount > 0) output.Add((byte)bitBuffer);
        return output.ToArray();
    }

    // ---------------------------------------------------------------- WBMP (a format Skia reads but the project does not accept)
    public static byte[] Wbmp8x8() => [0, 0, 8, 8, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00];

    // ---------------------------------------------------------------- Skia-encoded JPEG / WebP
    public static byte[] SkiaEncode(int width, int height, byte[] rgb, SKEncodedImageFormat format, int quality)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 3;
                bitmap.SetPixel(x, y, new SKColor(rgb[i], rgb[i + 1], rgb[i + 2]));
            }
        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    public static byte[] SkiaEncodeLosslessWebp(int width, int height, byte[] rgba)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var pixmap = new SKPixmap(info, System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(rgba, 0));
        using var data = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100))
            ?? throw new InvalidOperationException("SkiaSharp could not encode a lossless WebP");
        return data.ToArray();
    }

    /// <summary>Inserts an EXIF APP1 segment holding only the orientation tag right after the JPEG's SOI marker.</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, int orientation)
    {
        if (jpeg[0] != 0xFF || jpeg[1] != 0xD8) throw new ArgumentException("not a JPEG");
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF header, IFD0 at offset 8
            0x00, 0x01,                                             // one entry
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,         // tag 0x0112 Orientation, SHORT, count 1
            0x00, (byte)orientation, 0x00, 0x00,                    // value (left-justified)
            0x00, 0x00, 0x00, 0x00,                                 // no next IFD
        ];
        byte[] exifHeader = [(byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0];
        int length = 2 + exifHeader.Length + tiff.Length;
        var s = new MemoryStream();
        s.Write(jpeg, 0, 2);
        s.Write([0xFF, 0xE1, (byte)(length >> 8), (byte)length]);
        s.Write(exifHeader);
        s.Write(tiff);
        s.Write(jpeg, 2, jpeg.Length - 2);
        return s.ToArray();
    }
}
