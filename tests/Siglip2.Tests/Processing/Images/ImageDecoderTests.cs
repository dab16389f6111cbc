using System.Text.Json;
using Siglip2.Checkpoints;
using Siglip2.Processing.Images;
using SkiaSharp;
using Xunit.Abstractions;

namespace Siglip2.Tests.Processing.Images;

public class ImageDecoderTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("siglip2-decoder-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static IEnumerable<JsonElement> ManifestImages() =>
        JsonDocument.Parse(File.ReadAllText(FixturePaths.Path("preprocess", "manifest.json"))).RootElement
            .GetProperty("images").EnumerateArray();

    private static byte[] ExpectedRgb(string key)
    {
        using var f = SafeTensorsFile.Open(FixturePaths.Path("preprocess", "expected.safetensors"));
        return f.RawBytes($"input_rgb_{key}").ToArray();
    }

    // ------------------------------------------------------------ fixtures (Pillow 9.4 decodes)

    [Fact]
    public void LosslessRgbPngsDecodeExactlyToPillowPixels()
    {
        foreach (var entry in ManifestImages())
        {
            string key = entry.GetProperty("key").GetString()!;
            var image = ImageDecoder.DecodeFile(FixturePaths.Path("preprocess", entry.GetProperty("rgb_png").GetString()!));
            Assert.Equal(entry.GetProperty("width").GetInt32(), image.Width);
            Assert.Equal(entry.GetProperty("height").GetInt32(), image.Height);
            Assert.Equal(ExpectedRgb(key), image.Pixels);
        }
    }

    [Fact]
    public void OriginalFilesDecodeLikePillow()
    {
        foreach (var entry in ManifestImages())
        {
            string key = entry.GetProperty("key").GetString()!, file = entry.GetProperty("file").GetString()!;
            var image = ImageDecoder.DecodeFile(FixturePaths.Path("preprocess", file));
            var expected = ExpectedRgb(key);
            Assert.Equal(expected.Length, image.Pixels.Length);
            int maxDiff = 0, differing = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                int d = Math.Abs(expected[i] - image.Pixels[i]);
                if (d > 0) differing++;
                maxDiff = Math.Max(maxDiff, d);
            }
            output.WriteLine($"{file} ({entry.GetProperty("mode").GetString()}): {expected.Length} channel values, max |diff| {maxDiff}, {differing} differ from Pillow 9.4");
            // PNG (incl. the RGBA one, whose alpha must be dropped) must be exact; JPEG decoders may differ slightly.
            Assert.True(file.EndsWith(".png") ? maxDiff == 0 : maxDiff <= 2, $"{file}: max |diff| {maxDiff}");
        }
    }

    // ------------------------------------------------------------ colour conversions like PIL's convert("RGB")

    [Fact]
    public void RgbaPngDropsAlphaAndKeepsColourOfTransparentPixels()
    {
        byte[] rgba = [200, 100, 50, 0, 10, 20, 30, 128, 255, 255, 255, 255, 0, 0, 0, 0];
        var image = ImageDecoder.DecodeFile(Write("rgba.png", EncodedImages.Png(2, 2, EncodedImages.PngRgba, 8, rgba)));
        Assert.Equal([200, 100, 50, 10, 20, 30, 255, 255, 255, 0, 0, 0], image.Pixels);
    }

    [Fact]
    public void GrayscalePngIsReplicatedToThreeChannels()
    {
        byte[] gray = [0, 1, 127, 128, 254, 255];
        var image = ImageDecoder.DecodeFile(Write("gray.png", EncodedImages.Png(3, 2, EncodedImages.PngGray, 8, gray)));
        Assert.Equal(3, image.Width);
        Assert.Equal(2, image.Height);
        Assert.Equal(gray.SelectMany(g => new[] { g, g, g }).ToArray(), image.Pixels);
    }

    [Fact]
    public void GrayAlphaPngDropsAlpha()
    {
        byte[] la = [17, 0, 99, 255, 200, 7];
        var image = ImageDecoder.DecodeFile(Write("la.png", EncodedImages.Png(3, 1, EncodedImages.PngGrayAlpha, 8, la)));
        Assert.Equal([17, 17, 17, 99, 99, 99, 200, 200, 200], image.Pixels);
    }

    [Fact]
    public void PalettePngWithTransparencyExpandsToPaletteColours()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 12, 34, 56];
        byte[] trns = [255, 0, 128, 255]; // entry 1 fully transparent: alpha dropped, colour kept
        byte[] indices = [3, 2, 1, 0];
        var image = ImageDecoder.DecodeFile(Write("p.png", EncodedImages.Png(2, 2, EncodedImages.PngPalette, 8, indices, palette, trns)));
        Assert.Equal([12, 34, 56, 0, 0, 255, 0, 255, 0, 255, 0, 0], image.Pixels);
    }

    [Fact]
    public void SixteenBitPngKeepsTheHighByteLikePillow()
    {
        // Pillow opens 16-bit RGB PNGs as mode "RGB" through the "RGB;16B" unpacker, which keeps the high byte.
        byte[] samples = [0x12, 0xFF, 0x80, 0x7F, 0xFE, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x40, 0x80];
        var image = ImageDecoder.DecodeFile(Write("rgb16.png", EncodedImages.Png(2, 1, EncodedImages.PngRgb, 16, samples)));
        Assert.Equal([0x12, 0x80, 0xFE, 0x00, 0xFF, 0x40], image.Pixels);
    }

    // ------------------------------------------------------------ other formats

    private static byte[] Pattern(int width, int height)
    {
        var rgb = new byte[width * height * 3];
        for (int i = 0; i < rgb.Length; i++) rgb[i] = (byte)(i * 37 % 251);
        return rgb;
    }

    [Fact]
    public void Bmp24DecodesExactly()
    {
        var rgb = Pattern(5, 3); // 5·3 = 15 bytes per row: exercises row padding
        var image = ImageDecoder.DecodeFile(Write("a.bmp", EncodedImages.Bmp24(5, 3, rgb)));
        Assert.Equal(rgb, image.Pixels);
    }

    [Fact]
    public void GifDecodesTheFirstFrame()
    {
        var palette = new byte[48];
        for (int i = 0; i < 16; i++) { palette[i * 3] = (byte)(i * 16); palette[i * 3 + 1] = (byte)(255 - i * 16); palette[i * 3 + 2] = (byte)(i * 5); }
        byte[] first = Enumerable.Range(0, 20).Select(i => (byte)(i % 16)).ToArray();
        byte[] second = Enumerable.Repeat((byte)15, 20).ToArray();
        var image = ImageDecoder.DecodeFile(Write("anim.gif", EncodedImages.Gif(5, 4, palette, first, second)));
        Assert.Equal((5, 4), (image.Width, image.Height));
        Assert.Equal(first.SelectMany(i => new[] { palette[i * 3], palette[i * 3 + 1], palette[i * 3 + 2] }).ToArray(), image.Pixels);
    }

    [Fact]
    public void LosslessWebpDecodesExactlyAndDropsAlpha()
    {
        int w = 6, h = 4;
        var rgb = Pattern(w, h);
        var rgba = new byte[w * h * 4];
        for (int i = 0; i < w * h; i++)
        {
            rgba[i * 4] = rgb[i * 3]; rgba[i * 4 + 1] = rgb[i * 3 + 1]; rgba[i * 4 + 2] = rgb[i * 3 + 2];
            rgba[i * 4 + 3] = (byte)(i % 2 == 0 ? 255 : 90);
        }
        var image = ImageDecoder.DecodeFile(Write("a.webp", EncodedImages.SkiaEncodeLosslessWebp(w, h, rgba)));
        Assert.Equal(rgb, image.Pixels);
    }

    // ------------------------------------------------------------ EXIF orientation

    /// <summary>64×32 image of 16×16 flat blocks, 4 across and 2 down, each a distinct colour.</summary>
    internal static (byte[] Rgb, (byte, byte, byte)[,] Blocks) Blocks()
    {
        var colours = new (byte, byte, byte)[2, 4]
        {
            { (230, 20, 20), (20, 230, 20), (20, 20, 230), (230, 230, 20) },
            { (20, 230, 230), (230, 20, 230), (128, 128, 128), (250, 250, 250) },
        };
        var rgb = new byte[64 * 32 * 3];
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 64; x++)
            {
                var (r, g, b) = colours[y / 16, x / 16];
                int i = (y * 64 + x) * 3;
                rgb[i] = r; rgb[i + 1] = g; rgb[i + 2] = b;
            }
        return (rgb, colours);
    }

    private static void AssertBlockColour((byte R, byte G, byte B) expected, RgbImage image, int centerX, int centerY)
    {
        var (r, g, b) = image[centerX, centerY];
        Assert.True(Math.Abs(r - expected.R) <= 6 && Math.Abs(g - expected.G) <= 6 && Math.Abs(b - expected.B) <= 6,
            $"pixel ({centerX},{centerY}) is ({r},{g},{b}), expected about {expected}");
    }

    [Fact]
    public void ReadSizeFromTheHeaderIsTheDecodedSizeForEveryOrientation()
    {
        var (rgb, _) = Blocks();
        byte[] stored = EncodedImages.SkiaEncode(64, 32, rgb, SKEncodedImageFormat.Jpeg, 90);
        for (int orientation = 1; orientation <= 8; orientation++)
        {
            byte[] jpeg = EncodedImages.WithExifOrientation(stored, orientation);
            var decoded = ImageDecoder.Decode(jpeg, $"rot{orientation}.jpg");
            Assert.Equal((decoded.Width, decoded.Height), ImageDecoder.ReadSize(jpeg, $"rot{orientation}.jpg"));
        }
        foreach (var entry in ManifestImages())
        {
            string path = FixturePaths.Path("preprocess", entry.GetProperty("file").GetString()!);
            var decoded = ImageDecoder.DecodeFile(path);
            Assert.Equal((decoded.Width, decoded.Height), ImageDecoder.ReadSize(File.ReadAllBytes(path), path));
        }
        var e = Assert.Throws<Siglip2Exception>(() => ImageDecoder.ReadSize("not an image"u8, "x.jpg"));
        Assert.Contains("x.jpg", e.Message);
    }

    [Fact]
    public void ExifOrientation6JpegIsRotatedClockwiseByDefault()
    {
        var (rgb, colours) = Blocks();
        var jpeg = EncodedImages.WithExifOrientation(EncodedImages.SkiaEncode(64, 32, rgb, SKEncodedImageFormat.Jpeg, 100), 6);
        string path = Write("rot6.jpg", jpeg);

        var rotated = ImageDecoder.DecodeFile(path);
        Assert.Equal((32, 64), (rotated.Width, rotated.Height));
        // Rotating 90° clockwise: source block (row r, column c) lands at output (column 1 - r, row c).
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 4; c++)
                AssertBlockColour(colours[r, c], rotated, (1 - r) * 16 + 8, c * 16 + 8);

        var asStored = ImageDecoder.DecodeFile(path, new ImageDecodeOptions { ApplyExifOrientation = false });
        Assert.Equal((64, 32), (asStored.Width, asStored.Height));
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 4; c++)
                AssertBlockColour(colours[r, c], asStored, c * 16 + 8, r * 16 + 8);
    }

    [Fact]
    public void ExifOrientation3JpegIsRotated180()
    {
        var (rgb, colours) = Blocks();
        var jpeg = EncodedImages.WithExifOrientation(EncodedImages.SkiaEncode(64, 32, rgb, SKEncodedImageFormat.Jpeg, 100), 3);
        var image = ImageDecoder.DecodeFile(Write("rot3.jpg", jpeg));
        Assert.Equal((64, 32), (image.Width, image.Height));
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 4; c++)
                AssertBlockColour(colours[r, c], image, (3 - c) * 16 + 8, (1 - r) * 16 + 8);
    }

    // ------------------------------------------------------------ errors: one line naming the file

    private static Siglip2Exception AssertFails(string path, ImageDecodeOptions? options = null, string? mentions = null)
    {
        var e = Assert.Throws<Siglip2Exception>(() => ImageDecoder.DecodeFile(path, options));
        Assert.Contains(Path.GetFileName(path), e.Message);
        Assert.DoesNotContain('\n', e.Message);
        if (mentions != null) Assert.Contains(mentions, e.Message, StringComparison.OrdinalIgnoreCase);
        return e;
    }

    [Fact]
    public void EmptyFileFails() => AssertFails(Write("empty.png", []), mentions: "empty");

    [Fact]
    public void MissingFileFails() => AssertFails(Path.Combine(_folder, "does-not-exist.jpg"), mentions: "not found");

    [Fact]
    public void TextFileFails() => AssertFails(Write("notes.jpg", "this is not an image\n"u8.ToArray()), mentions: "not a readable image");

    [Fact]
    public void RandomBytesAfterPngSignatureFail()
    {
        var bytes = new byte[600];
        new Random(7).NextBytes(bytes);
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        signature.CopyTo(bytes, 0);
        AssertFails(Write("corrupt.png", bytes));
    }

    [Fact]
    public void TruncatedJpegFails()
    {
        var full = File.ReadAllBytes(FixturePaths.Path("preprocess", "grace_hopper.jpg"));
        AssertFails(Write("half.jpg", full[..(full.Length / 2)]), mentions: "truncated");
    }

    [Fact]
    public void TruncatedPngFails()
    {
        var full = File.ReadAllBytes(FixturePaths.Path("preprocess", "f3_rgb.png"));
        AssertFails(Write("part.png", full[..(full.Length * 6 / 10)]), mentions: "truncated");
    }

    [Fact]
    public void UnsupportedFormatFails() => AssertFails(Write("img.wbmp", EncodedImages.Wbmp8x8()), mentions: "not supported");

    [Fact]
    public void DecompressionBombIsRejectedFromTheHeader()
    {
        // 20000 × 20000 = 400 M pixels > 178,956,970; the file itself is tiny, so only the header check can catch it.
        var e = AssertFails(Write("bomb.png", EncodedImages.PngHeaderOnly(20000, 20000)), mentions: "decompression bomb");
        Assert.Contains("20000x20000", e.Message);
    }

    [Fact]
    public void PixelLimitIsConfigurable()
    {
        string path = FixturePaths.Path("preprocess", "grace_hopper.jpg"); // 512 × 600 = 307,200 pixels
        AssertFails(path, new ImageDecodeOptions { MaxPixels = 307_199 }, mentions: "limit");
        Assert.Equal(512, ImageDecoder.DecodeFile(path, new ImageDecodeOptions { MaxPixels = 307_200 }).Width);
    }
}
