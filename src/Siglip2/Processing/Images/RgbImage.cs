namespace Siglip2.Processing.Images;

/// <summary>
/// An 8-bit RGB image stored row-major as height × width × 3 bytes (HWC, the layout of
/// <c>numpy.asarray(pil_image.convert("RGB"))</c>).
/// </summary>
public sealed class RgbImage
{
    public int Width { get; }
    public int Height { get; }

    /// <summary>Pixel bytes, <c>Pixels[(y * Width + x) * 3 + channel]</c>, channel 0 = red.</summary>
    public byte[] Pixels { get; }

    public RgbImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive, got {width}x{height}");
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != (long)width * height * 3)
            throw new ArgumentException($"expected {(long)width * height * 3} bytes for a {width}x{height} RGB image, got {pixels.LongLength}", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>The three channel values of pixel (x, y).</summary>
    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            int i = (y * Width + x) * 3;
            return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
    }

    public override string ToString() => $"RgbImage {Width}x{Height}";
}
