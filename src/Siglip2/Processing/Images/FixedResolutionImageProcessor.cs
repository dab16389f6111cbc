using Siglip2.Configuration;

namespace Siglip2.Processing.Images;

/// <summary>
/// Hugging Face's <c>SiglipImageProcessor</c> (slow, PIL path): resize to size.height × size.width with Pillow's
/// filter, rescale, normalise, output channels first (B, 3, H, W) float32.
/// </summary>
public sealed class FixedResolutionImageProcessor : IImageProcessor
{
    private readonly PixelNormalizer _normalizer;

    public PreprocessorConfig Config { get; }

    public FixedResolutionImageProcessor(PreprocessorConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Kind != ImageProcessorKind.FixedResolution)
            throw new ArgumentException($"expected a fixed-resolution config, got {config.ImageProcessorType}", nameof(config));
        Config = config;
        _normalizer = new PixelNormalizer(config);
    }

    public ImageBatch Preprocess(IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
            throw new ArgumentException("at least one image is needed", nameof(images));

        int height = Config.Height, width = Config.Width;
        if (!Config.DoResize)
        {
            height = images[0].Height;
            width = images[0].Width;
            foreach (var image in images)
                if (image.Height != height || image.Width != width)
                    throw new Siglip2Exception(
                        $"With do_resize false all images of a batch must have the same size, got {images[0].Width}x{images[0].Height} and {image.Width}x{image.Height}; enable do_resize or batch images of one size.");
        }

        long plane = (long)height * width;
        var output = new float[images.Count * 3 * plane];
        for (int b = 0; b < images.Count; b++)
        {
            var image = Config.DoResize ? PillowResampler.Resize(images[b], width, height, Config.Resample) : images[b];
            WriteChannelsFirst(image, output.AsSpan((int)(b * 3 * plane), (int)(3 * plane)));
        }
        return new ImageBatch(output, [images.Count, 3, height, width]);
    }

    private void WriteChannelsFirst(RgbImage image, Span<float> destination)
    {
        byte[] pixels = image.Pixels;
        int plane = image.Width * image.Height;
        for (int c = 0; c < 3; c++)
        {
            float[] table = _normalizer.Table(c);
            var channel = destination.Slice(c * plane, plane);
            for (int i = 0, p = c; i < plane; i++, p += 3)
                channel[i] = table[pixels[p]];
        }
    }
}
