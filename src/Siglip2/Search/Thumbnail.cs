using SkiaSharp;
using Siglip2.Configuration;
using Siglip2.Processing.Images;

namespace Siglip2.Search;

/// <summary>A small JPEG of an image (longest side at most <c>size</c>, EXIF orientation applied), for result grids.</summary>
public static class Thumbnail
{
    public static byte[] Jpeg(string path, int size = 256, int quality = 80)
    {
        var image = ImageDecoder.Decode(InputFile.ReadAllBytes(path, "image", InputLimits.EncodedImageBytes), path);
        double scale = Math.Min(1.0, (double)size / Math.Max(image.Width, image.Height));
        int w = Math.Max(1, (int)Math.Round(image.Width * scale)), h = Math.Max(1, (int)Math.Round(image.Height * scale));
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; i < image.Pixels.Length; i += 3, j += 4)
        {
            rgba[j] = image.Pixels[i]; rgba[j + 1] = image.Pixels[i + 1]; rgba[j + 2] = image.Pixels[i + 2]; rgba[j + 3] = 255;
        }
        using var full = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, full.GetPixels(), rgba.Length);
        using var small = full.Resize(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var data = small.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }
}
