using Siglip2.Configuration;

namespace Siglip2.Processing.Images;

/// <summary>
/// Resizes 8-bit RGB images exactly as Pillow's <c>Image.resize(size, resample)</c> does (Pillow 9.x–11.x,
/// <c>libImaging/Resample.c</c> and <c>Geometry.c</c>), which is what Hugging Face's slow image processors call.
/// <list type="bullet">
/// <item>Convolution filters (bilinear, bicubic, lanczos, box, hamming) are antialiased: when shrinking, the
/// filter support is multiplied by the scale factor. The image is resized in two separable passes, horizontal
/// first, then vertical; a pass is skipped when that dimension keeps its size, and the whole resize is a copy
/// when both do.</item>
/// <item>Weights are computed in double precision, normalised to sum 1, then converted to fixed point with
/// 22 fractional bits (rounded half away from zero); each pass accumulates in 32-bit integers starting from
/// one half, shifts right by 22 and clamps to 0..255, so the intermediate image is 8-bit.</item>
/// <item>Nearest neighbour uses Pillow's affine scaling: source coordinate <c>(x + 0.5)·in/out</c>, accumulated
/// in double by repeated addition and truncated.</item>
/// </list>
/// </summary>
public static class PillowResampler
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Returns a new image of <paramref name="width"/> × <paramref name="height"/> (or the input's copy if the size is unchanged).</summary>
    public static RgbImage Resize(RgbImage image, int width, int height, ResampleFilter filter)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"target size must be positive, got {width}x{height}");
        if (width == image.Width && height == image.Height)
            return new RgbImage(width, height, (byte[])image.Pixels.Clone());

        if (filter == ResampleFilter.Nearest)
            return ResizeNearest(image, width, height);

        var (kernel, support) = KernelOf(filter);
        bool needHorizontal = width != image.Width;
        bool needVertical = height != image.Height;

        var vertical = ComputeCoefficients(image.Height, height, kernel, support);
        int firstRow = vertical.Bounds[0];
        int lastRow = vertical.Bounds[(height - 1) * 2] + vertical.Bounds[(height - 1) * 2 + 1];

        RgbImage source = image;
        int rowOffset = 0;
        if (needHorizontal)
        {
            var horizontal = ComputeCoefficients(image.Width, width, kernel, support);
            source = ResampleHorizontal(image, width, firstRow, lastRow - firstRow, horizontal);
            rowOffset = firstRow;
        }

        if (!needVertical)
            return source;

        return ResampleVertical(source, height, rowOffset, vertical);
    }

    /// <summary>Fixed-point weights for one axis: for output index i, input indices Bounds[2i] .. Bounds[2i]+Bounds[2i+1]-1.</summary>
    internal sealed record Coefficients(int KernelSize, int[] Bounds, int[] Weights);

    internal static Coefficients ComputeCoefficients(int inSize, int outSize, Func<double, double> kernel, double kernelSupport)
    {
        // Pillow: box = (0, 0, width, height) as floats; scale = (in1 - in0) / outSize.
        double scale = (double)((float)inSize - 0f) / outSize;
        double filterScale = scale < 1.0 ? 1.0 : scale;
        double support = kernelSupport * filterScale;
        int kernelSize = (int)Math.Ceiling(support) * 2 + 1;

        var bounds = new int[outSize * 2];
        var weights = new int[outSize * kernelSize];
        var w = new double[kernelSize];
        double inverse = 1.0 / filterScale;
        for (int i = 0; i < outSize; i++)
        {
            double center = 0.0 + (i + 0.5) * scale;
            int xmin = (int)(center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;

            double total = 0.0;
            for (int x = 0; x < xmax; x++)
            {
                double value = kernel((x + xmin - center + 0.5) * inverse);
                w[x] = value;
                total += value;
            }
            for (int x = 0; x < kernelSize; x++)
            {
                double normalised = x < xmax ? (total != 0.0 ? w[x] / total : w[x]) : 0.0;
                weights[i * kernelSize + x] = normalised < 0
                    ? (int)(-0.5 + normalised * (1 << PrecisionBits))
                    : (int)(0.5 + normalised * (1 << PrecisionBits));
            }
            bounds[i * 2] = xmin;
            bounds[i * 2 + 1] = xmax;
        }
        return new Coefficients(kernelSize, bounds, weights);
    }

    private static RgbImage ResampleHorizontal(RgbImage input, int outWidth, int firstRow, int rowCount, Coefficients c)
    {
        var output = new byte[(long)outWidth * rowCount * 3];
        byte[] src = input.Pixels;
        int inStride = input.Width * 3;
        int[] bounds = c.Bounds, weights = c.Weights;
        int k = c.KernelSize;
        Parallel.For(0, rowCount, y =>
        {
            int srcRow = (y + firstRow) * inStride;
            int dstRow = y * outWidth * 3;
            for (int xx = 0; xx < outWidth; xx++)
            {
                int xmin = bounds[xx * 2], count = bounds[xx * 2 + 1];
                int wBase = xx * k;
                int s0 = 1 << (PrecisionBits - 1), s1 = s0, s2 = s0;
                int p = srcRow + xmin * 3;
                for (int x = 0; x < count; x++, p += 3)
                {
                    int wt = weights[wBase + x];
                    s0 += src[p] * wt;
                    s1 += src[p + 1] * wt;
                    s2 += src[p + 2] * wt;
                }
                int d = dstRow + xx * 3;
                output[d] = Clip8(s0);
                output[d + 1] = Clip8(s1);
                output[d + 2] = Clip8(s2);
            }
        });
        return new RgbImage(outWidth, rowCount, output);
    }

    private static RgbImage ResampleVertical(RgbImage input, int outHeight, int rowOffset, Coefficients c)
    {
        int width = input.Width;
        int stride = width * 3;
        var output = new byte[(long)stride * outHeight];
        byte[] src = input.Pixels;
        int[] bounds = c.Bounds, weights = c.Weights;
        int k = c.KernelSize;
        Parallel.For(0, outHeight, yy =>
        {
            int ymin = bounds[yy * 2] - rowOffset, count = bounds[yy * 2 + 1];
            int wBase = yy * k;
            int dstRow = yy * stride;
            // Row by row for cache locality; integer sums do not depend on the order.
            var sums = new int[stride];
            Array.Fill(sums, 1 << (PrecisionBits - 1));
            for (int y = 0; y < count; y++)
            {
                int wt = weights[wBase + y];
                int p = (ymin + y) * stride;
                for (int i = 0; i < stride; i++)
                    sums[i] += src[p + i] * wt;
            }
            for (int i = 0; i < stride; i++)
                output[dstRow + i] = Clip8(sums[i]);
        });
        return new RgbImage(width, outHeight, output);
    }

    private static byte Clip8(int accumulator)
    {
        int v = accumulator >> PrecisionBits;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }

    private static RgbImage ResizeNearest(RgbImage input, int width, int height)
    {
        // Pillow: affine scale with a[0] = in_w / out_w, a[4] = in_h / out_h; start at half a step and add one step per pixel.
        double stepX = (double)((float)input.Width - 0f) / width;
        double stepY = (double)((float)input.Height - 0f) / height;
        var sourceX = new int[width];
        int xmin = width, xmax = 0;
        double xo = 0.0 + stepX * 0.5;
        for (int x = 0; x < width; x++)
        {
            int xin = xo < 0.0 ? -1 : (int)xo;
            if (xin >= 0 && xin < input.Width)
            {
                xmax = x + 1;
                if (x < xmin) xmin = x;
                sourceX[x] = xin;
            }
            xo += stepX;
        }
        var output = new byte[(long)width * height * 3];
        byte[] src = input.Pixels;
        double yo = 0.0 + stepY * 0.5;
        for (int y = 0; y < height; y++)
        {
            int yin = yo < 0.0 ? -1 : (int)yo;
            if (yin >= 0 && yin < input.Height)
            {
                int srcRow = yin * input.Width * 3;
                int dstRow = y * width * 3;
                for (int x = xmin; x < xmax; x++)
                {
                    int s = srcRow + sourceX[x] * 3, d = dstRow + x * 3;
                    output[d] = src[s];
                    output[d + 1] = src[s + 1];
                    output[d + 2] = src[s + 2];
                }
            }
            yo += stepY;
        }
        return new RgbImage(width, height, output);
    }

    private static (Func<double, double> Kernel, double Support) KernelOf(ResampleFilter filter) => filter switch
    {
        ResampleFilter.Box => (BoxKernel, 0.5),
        ResampleFilter.Bilinear => (BilinearKernel, 1.0),
        ResampleFilter.Hamming => (HammingKernel, 1.0),
        ResampleFilter.Bicubic => (BicubicKernel, 2.0),
        ResampleFilter.Lanczos => (LanczosKernel, 3.0),
        _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, "unknown resampling filter"),
    };

    private static double BoxKernel(double x) => x > -0.5 && x <= 0.5 ? 1.0 : 0.0;

    private static double BilinearKernel(double x)
    {
        if (x < 0.0) x = -x;
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static double HammingKernel(double x)
    {
        if (x < 0.0) x = -x;
        if (x == 0.0) return 1.0;
        if (x >= 1.0) return 0.0;
        x *= Math.PI;
        // Pillow writes the constants as float literals (0.54f, 0.46f).
        return Math.Sin(x) / x * (0.54f + 0.46f * Math.Cos(x));
    }

    private static double BicubicKernel(double x)
    {
        const double a = -0.5;
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    private static double Sinc(double x)
    {
        if (x == 0.0) return 1.0;
        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    private static double LanczosKernel(double x) => -3.0 <= x && x < 3.0 ? Sinc(x) * Sinc(x / 3) : 0.0;
}
