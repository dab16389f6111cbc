using Siglip2.Configuration;
using SkiaSharp;

namespace Siglip2.Processing.Images;

/// <summary>
/// Decodes JPEG, PNG, WebP, BMP and GIF (first frame) files into 8-bit RGB with SkiaSharp, matching
/// <c>PIL.Image.open(path).convert("RGB")</c>: grayscale is replicated to three channels, palettes are expanded,
/// alpha is dropped (not composited onto a background; pixels are read unpremultiplied so fully transparent
/// pixels keep their colour), no ICC colour management is applied. The EXIF orientation is applied unless
/// <see cref="ImageDecodeOptions.ApplyExifOrientation"/> is off. Every failure is a <see cref="Siglip2Exception"/>
/// naming the file.
/// </summary>
public static class ImageDecoder
{
    private static readonly SKEncodedImageFormat[] SupportedFormats =
    [
        SKEncodedImageFormat.Jpeg, SKEncodedImageFormat.Png, SKEncodedImageFormat.Webp,
        SKEncodedImageFormat.Bmp, SKEncodedImageFormat.Gif,
    ];

    /// <summary>Reads and decodes an image file.</summary>
    public static RgbImage DecodeFile(string path, ImageDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        // Regular files only, size-bounded: a FIFO would block forever and /dev/zero never ends.
        byte[] data = InputFile.ReadAllBytes(path, "image", InputLimits.EncodedImageBytes);
        return Decode(data, path, options);
    }

    /// <summary>Decodes an encoded image held in memory; <paramref name="sourceName"/> names it in error messages.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, string sourceName, ImageDecodeOptions? options = null)
    {
        options ??= ImageDecodeOptions.Default;
        if (encoded.IsEmpty)
            throw new Siglip2Exception($"Image '{sourceName}' is empty (0 bytes); give a JPEG, PNG, WebP, BMP or GIF file.");

        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        if (codec == null)
            throw new Siglip2Exception(
                $"Image '{sourceName}' is not a readable image (unrecognised or corrupt header); give a JPEG, PNG, WebP, BMP or GIF file.");

        if (Array.IndexOf(SupportedFormats, codec.EncodedFormat) < 0)
            throw new Siglip2Exception(
                $"Image '{sourceName}' is in {codec.EncodedFormat} format, which is not supported; convert it to JPEG, PNG, WebP, BMP or GIF.");

        var info = codec.Info;
        long pixelCount = (long)info.Width * info.Height;
        if (info.Width <= 0 || info.Height <= 0)
            throw new Siglip2Exception($"Image '{sourceName}' declares an empty size {info.Width}x{info.Height}; the file is corrupt.");
        if (pixelCount > options.MaxPixels)
            throw new Siglip2Exception(
                $"Image '{sourceName}' is {info.Width}x{info.Height} = {pixelCount:N0} pixels, over the limit of {options.MaxPixels:N0} " +
                "(a possible decompression bomb); downscale it first or raise ImageDecodeOptions.MaxPixels.");

        // RGBA, unpremultiplied (alpha must not darken the colour), no colour space: no colour conversion.
        var alpha = info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Unpremul;
        var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, alpha);
        if (options.JpegMinimumSide is int minimumSide && codec.EncodedFormat == SKEncodedImageFormat.Jpeg)
            foreach (float scale in new[] { 0.125f, 0.25f, 0.5f })
            {
                var scaled = codec.GetScaledDimensions(scale);
                if (Math.Min(scaled.Width, scaled.Height) < minimumSide || scaled.Width >= info.Width) continue;
                info = new SKImageInfo(scaled.Width, scaled.Height, info.ColorType, info.AlphaType);
                pixelCount = (long)info.Width * info.Height;
                target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, alpha);
                break;
            }
        var rgba = new byte[pixelCount * 4];
        SKCodecResult result;
        unsafe
        {
            fixed (byte* p = rgba)
                result = codec.GetPixels(target, (IntPtr)p, target.RowBytes, new SKCodecOptions(0));
        }
        if (result == SKCodecResult.IncompleteInput)
            throw new Siglip2Exception($"Image '{sourceName}' is truncated (the data ends before the last pixel); re-download or re-export it.");
        if (result != SKCodecResult.Success)
            throw new Siglip2Exception($"Image '{sourceName}' could not be decoded ({Describe(result)}); the file is corrupt or uses an unsupported variant.");

        var rgb = new byte[pixelCount * 3];
        for (long i = 0, j = 0; i < pixelCount; i++, j += 4)
        {
            rgb[i * 3] = rgba[j];
            rgb[i * 3 + 1] = rgba[j + 1];
            rgb[i * 3 + 2] = rgba[j + 2];
        }
        var image = new RgbImage(info.Width, info.Height, rgb);
        return options.ApplyExifOrientation ? ExifOrientation.Apply(image, (int)codec.EncodedOrigin) : image;
    }

    /// <summary>
    /// The size of the image as <see cref="Decode"/> would return it (after the EXIF orientation), read from the header
    /// alone: no pixel is decoded, so a 12-megapixel photo costs microseconds. A file that is not a readable image of a
    /// supported format gets the same one-line error as <see cref="Decode"/>.
    /// </summary>
    public static (int Width, int Height) ReadSize(ReadOnlySpan<byte> encoded, string sourceName, ImageDecodeOptions? options = null)
    {
        options ??= ImageDecodeOptions.Default;
        if (encoded.IsEmpty)
            throw new Siglip2Exception($"Image '{sourceName}' is empty (0 bytes); give a JPEG, PNG, WebP, BMP or GIF file.");
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new Siglip2Exception($"Image '{sourceName}' is not a readable image (unrecognised or corrupt header); give a JPEG, PNG, WebP, BMP or GIF file.");
        if (Array.IndexOf(SupportedFormats, codec.EncodedFormat) < 0)
            throw new Siglip2Exception(
                $"Image '{sourceName}' is in {codec.EncodedFormat} format, which is not supported; convert it to JPEG, PNG, WebP, BMP or GIF.");
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0)
            throw new Siglip2Exception($"Image '{sourceName}' declares an empty size {info.Width}x{info.Height}; the file is corrupt.");
        // EXIF orientations 5-8 (LeftTop, RightTop, RightBottom, LeftBottom) turn the picture by 90 degrees
        bool transposed = options.ApplyExifOrientation && (int)codec.EncodedOrigin is >= 5 and <= 8;
        return transposed ? (info.Height, info.Width) : (info.Width, info.Height);
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the data is truncated",
        SKCodecResult.ErrorInInput => "the data is corrupt",
        SKCodecResult.InvalidInput => "unrecognised or invalid data",
        SKCodecResult.InvalidConversion => "its pixel format cannot be converted to RGB",
        SKCodecResult.Unimplemented => "an unsupported variant of the format",
        _ => result.ToString(),
    };
}
