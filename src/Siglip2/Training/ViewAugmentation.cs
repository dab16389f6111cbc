using Siglip2.Processing.Images;

namespace Siglip2.Training;

/// <summary>
/// Random-resized-crop views for self-distillation (DINO / SILC multi-crop): a crop covering a random share of the
/// image area in [minArea, maxArea] with a log-uniform aspect ratio in [3/4, 4/3], clipped to the image, flipped
/// horizontally with probability ½. The image processor then resizes the crop to the model's input size.
/// </summary>
public static class ViewAugmentation
{
    public static RgbImage RandomCrop(RgbImage image, double minArea, double maxArea, Random rng)
    {
        double area = image.Width * image.Height * (minArea + (maxArea - minArea) * rng.NextDouble());
        double aspect = Math.Exp(Math.Log(3.0 / 4) + (Math.Log(4.0 / 3) - Math.Log(3.0 / 4)) * rng.NextDouble());
        int w = Math.Clamp((int)Math.Round(Math.Sqrt(area * aspect)), 1, image.Width);
        int h = Math.Clamp((int)Math.Round(Math.Sqrt(area / aspect)), 1, image.Height);
        int x0 = rng.Next(image.Width - w + 1), y0 = rng.Next(image.Height - h + 1);
        bool flip = rng.NextDouble() < 0.5;
        return Crop(image, x0, y0, w, h, flip);
    }

    /// <summary>The w×h region at (x0, y0), mirrored left–right when <paramref name="flip"/>.</summary>
    public static RgbImage Crop(RgbImage image, int x0, int y0, int w, int h, bool flip)
    {
        var src = image.Pixels;
        var dst = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int sx = x0 + (flip ? w - 1 - x : x);
                int s = ((y0 + y) * image.Width + sx) * 3, d = (y * w + x) * 3;
                dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2];
            }
        return new RgbImage(w, h, dst);
    }
}
