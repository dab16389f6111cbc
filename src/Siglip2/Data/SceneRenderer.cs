namespace Siglip2.Data;

/// <summary>Pixel operations of FashionScenes: gray resampling, backgrounds and tinted compositing.</summary>
internal static class SceneRenderer
{
    /// <summary>An item pixel at or above this gray value (of the resized item) belongs to the item's mask and box.</summary>
    public const int MaskThreshold = 32;

    /// <summary>Gray value at which an item pixel becomes fully opaque when composited.</summary>
    public const float OpaqueAt = 64f;

    /// <summary>
    /// Resizes a gray image with a separable triangle (linear) filter whose support widens with the downscale
    /// factor, so shrinking averages instead of aliasing. Scale 1 is an exact copy.
    /// </summary>
    public static byte[] ResizeGray(ReadOnlySpan<byte> source, int sourceWidth, int sourceHeight, int width, int height)
    {
        var (xStart, xCount, xWeights, xTaps) = Weights(sourceWidth, width);
        var (yStart, yCount, yWeights, yTaps) = Weights(sourceHeight, height);
        var horizontal = new float[sourceHeight * width];
        for (int y = 0; y < sourceHeight; y++)
        {
            var row = source.Slice(y * sourceWidth, sourceWidth);
            for (int x = 0; x < width; x++)
            {
                float sum = 0;
                int s0 = xStart[x];
                for (int k = 0; k < xCount[x]; k++) sum += row[s0 + k] * xWeights[x * xTaps + k];
                horizontal[y * width + x] = sum;
            }
        }
        var result = new byte[width * height];
        for (int y = 0; y < height; y++)
        {
            int s0 = yStart[y];
            for (int x = 0; x < width; x++)
            {
                float sum = 0;
                for (int k = 0; k < yCount[y]; k++) sum += horizontal[(s0 + k) * width + x] * yWeights[y * yTaps + k];
                result[y * width + x] = (byte)Math.Clamp((int)(sum + 0.5f), 0, 255);
            }
        }
        return result;
    }

    private static (int[] Start, int[] Count, float[] Weights, int Taps) Weights(int sourceSize, int size)
    {
        double scale = (double)size / sourceSize;
        double support = Math.Max(1.0, 1.0 / scale);
        int taps = (int)Math.Ceiling(support) * 2 + 1;
        var start = new int[size];
        var count = new int[size];
        var weights = new float[size * taps];
        for (int i = 0; i < size; i++)
        {
            double center = (i + 0.5) / scale;
            int lo = Math.Max(0, (int)Math.Floor(center - support));
            int hi = Math.Min(sourceSize, (int)Math.Ceiling(center + support));
            double total = 0;
            int n = 0;
            for (int j = lo; j < hi && n < taps; j++, n++)
            {
                double w = Math.Max(0.0, 1.0 - Math.Abs(j + 0.5 - center) / support);
                weights[i * taps + n] = (float)w;
                total += w;
            }
            for (int k = 0; k < n; k++) weights[i * taps + k] = (float)(weights[i * taps + k] / total);
            start[i] = lo;
            count[i] = n;
        }
        return (start, count, weights, taps);
    }

    /// <summary>The tight box of pixels at or above <paramref name="threshold"/>; empty when there are none.</summary>
    public static PixelBox ContentBounds(ReadOnlySpan<byte> gray, int width, int height, int threshold)
    {
        int x0 = width, y0 = height, x1 = 0, y1 = 0;
        for (int y = 0; y < height; y++)
        {
            var row = gray.Slice(y * width, width);
            for (int x = 0; x < width; x++)
            {
                if (row[x] < threshold) continue;
                if (x < x0) x0 = x;
                if (x >= x1) x1 = x + 1;
                if (y < y0) y0 = y;
                y1 = y + 1;
            }
        }
        return x1 == 0 ? default : new PixelBox(x0, y0, x1, y1);
    }

    /// <summary>Copies a sub-rectangle of a gray image.</summary>
    public static byte[] Crop(ReadOnlySpan<byte> gray, int width, PixelBox box)
    {
        var result = new byte[box.Width * box.Height];
        for (int y = 0; y < box.Height; y++)
            gray.Slice((box.Y0 + y) * width + box.X0, box.Width).CopyTo(result.AsSpan(y * box.Width, box.Width));
        return result;
    }

    /// <summary>Fills the canvas with a solid colour, a linear gradient between two colours, or a colour with light noise.</summary>
    public static void FillBackground(byte[] rgb, int width, int height, Background background, SceneRandom random)
    {
        var (c1, c2) = (background.Color, background.SecondColor);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int o = (y * width + x) * 3;
                switch (background.Style)
                {
                    case BackgroundStyle.Solid:
                        rgb[o] = c1.R; rgb[o + 1] = c1.G; rgb[o + 2] = c1.B;
                        break;
                    case BackgroundStyle.Gradient:
                        float t = background.GradientDirection switch
                        {
                            0 => width == 1 ? 0 : (float)x / (width - 1),
                            1 => height == 1 ? 0 : (float)y / (height - 1),
                            _ => (float)(x + y) / Math.Max(1, width + height - 2),
                        };
                        rgb[o] = Lerp(c1.R, c2.R, t); rgb[o + 1] = Lerp(c1.G, c2.G, t); rgb[o + 2] = Lerp(c1.B, c2.B, t);
                        break;
                    default:
                        int noise = random.NextInclusive(-background.NoiseAmplitude, background.NoiseAmplitude);
                        rgb[o] = Clamp(c1.R + noise); rgb[o + 1] = Clamp(c1.G + noise); rgb[o + 2] = Clamp(c1.B + noise);
                        break;
                }
            }
        }
    }

    /// <summary>
    /// Paints a resized gray item at (x, y) tinted with <paramref name="color"/>: opacity min(1, g/64), colour
    /// shaded by 0.45 + 0.55·g/255 to keep the item's texture; marks mask pixels (g ≥ 32) with 1 + class.
    /// </summary>
    public static void CompositeTinted(byte[] rgb, byte[] mask, int canvasWidth, ReadOnlySpan<byte> item, int itemWidth, int itemHeight,
        int x, int y, NamedColor color, byte maskValue)
    {
        for (int iy = 0; iy < itemHeight; iy++)
        {
            for (int ix = 0; ix < itemWidth; ix++)
            {
                int g = item[iy * itemWidth + ix];
                if (g == 0) continue;
                int p = (y + iy) * canvasWidth + (x + ix);
                float alpha = Math.Min(1f, g / OpaqueAt);
                float shade = 0.45f + 0.55f * g / 255f;
                int o = p * 3;
                rgb[o] = Blend(rgb[o], color.R * shade, alpha);
                rgb[o + 1] = Blend(rgb[o + 1], color.G * shade, alpha);
                rgb[o + 2] = Blend(rgb[o + 2], color.B * shade, alpha);
                if (g >= MaskThreshold) mask[p] = maskValue;
            }
        }
    }

    private static byte Blend(byte under, float over, float alpha) => (byte)(under + (over - under) * alpha + 0.5f);
    private static byte Lerp(byte a, byte b, float t) => (byte)(a + (b - a) * t + 0.5f);
    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}
