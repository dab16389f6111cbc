using Siglip2.Configuration;

namespace Siglip2.Processing.Images;

/// <summary>
/// Hugging Face's <c>Siglip2ImageProcessor</c> (NaFlex, slow PIL path): resize each image to the size chosen by
/// <see cref="NaFlexResizeRule"/>, rescale, normalise, cut into p × p patches in row-major grid order, each
/// flattened as (py, px, channel), and pad to max_num_patches rows of zeros. The mask is 1 for real patches and
/// spatial_shapes holds (height / p, width / p).
/// </summary>
public sealed class NaFlexImageProcessor : IImageProcessor
{
    private readonly PixelNormalizer _normalizer;

    public PreprocessorConfig Config { get; }

    public NaFlexImageProcessor(PreprocessorConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Kind != ImageProcessorKind.NaFlex)
            throw new ArgumentException($"expected a NaFlex config, got {config.ImageProcessorType}", nameof(config));
        Config = config;
        _normalizer = new PixelNormalizer(config);
    }

    /// <summary>The (height, width) in pixels an image of this size is resized to.</summary>
    public (int Height, int Width) TargetSize(int imageHeight, int imageWidth) =>
        Config.DoResize
            ? NaFlexResizeRule.TargetSize(imageHeight, imageWidth, Config.PatchSize, Config.MaxNumPatches)
            : (imageHeight, imageWidth);

    public ImageBatch Preprocess(IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
            throw new ArgumentException("at least one image is needed", nameof(images));

        int p = Config.PatchSize, n = Config.MaxNumPatches;
        int rowLength = 3 * p * p;
        var values = new float[(long)images.Count * n * rowLength];
        var mask = new int[images.Count * n];
        var spatial = new long[images.Count * 2];
        for (int b = 0; b < images.Count; b++)
        {
            var source = images[b];
            var (height, width) = TargetSize(source.Height, source.Width);
            if (height % p != 0 || width % p != 0 || (long)(height / p) * (width / p) > n)
                throw new Siglip2Exception(
                    $"Image {b} is {source.Width}x{source.Height}, which with do_resize false is not a whole number of at most {n} patches of {p}x{p}; enable do_resize.");
            var image = Config.DoResize ? PillowResampler.Resize(source, width, height, Config.Resample) : source;
            int gridH = height / p, gridW = width / p;
            WritePatches(image, values.AsSpan((int)((long)b * n * rowLength), n * rowLength));
            mask.AsSpan(b * n, gridH * gridW).Fill(1);
            spatial[b * 2] = gridH;
            spatial[b * 2 + 1] = gridW;
        }
        return new ImageBatch(values, [images.Count, n, rowLength], mask, spatial);
    }

    private void WritePatches(RgbImage image, Span<float> destination)
    {
        int p = Config.PatchSize;
        int gridW = image.Width / p, gridH = image.Height / p;
        int rowLength = 3 * p * p;
        byte[] pixels = image.Pixels;
        float[] red = _normalizer.Table(0), green = _normalizer.Table(1), blue = _normalizer.Table(2);
        for (int gy = 0; gy < gridH; gy++)
        {
            for (int gx = 0; gx < gridW; gx++)
            {
                var row = destination.Slice((gy * gridW + gx) * rowLength, rowLength);
                int o = 0;
                for (int py = 0; py < p; py++)
                {
                    int s = ((gy * p + py) * image.Width + gx * p) * 3;
                    for (int px = 0; px < p; px++, s += 3)
                    {
                        row[o++] = red[pixels[s]];
                        row[o++] = green[pixels[s + 1]];
                        row[o++] = blue[pixels[s + 2]];
                    }
                }
            }
        }
    }
}
