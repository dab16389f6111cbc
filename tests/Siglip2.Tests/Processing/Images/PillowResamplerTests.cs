using Siglip2.Configuration;
using Siglip2.Processing.Images;

namespace Siglip2.Tests.Processing.Images;

/// <summary>
/// Closed-form checks of the resampler (the fixture parity tests cover real images). Expected values are worked
/// out by hand from Pillow's definition: output pixel i is centred at (i + 0.5)·scale in input coordinates, the
/// triangle filter is widened by the scale factor when shrinking, weights are normalised, and each pass rounds.
/// </summary>
public class PillowResamplerTests
{
    private static RgbImage Gray(int w, int h, params byte[] values) =>
        new(w, h, values.SelectMany(v => new[] { v, v, v }).ToArray());

    private static byte[] Channel0(RgbImage image) => image.Pixels.Where((_, i) => i % 3 == 0).ToArray();

    [Fact]
    public void BilinearHalvingAveragesWithTriangleWeights()
    {
        // 4 → 2, scale 2, support 2. Output 0: centre 1.0, inputs 0..2 with weights 0.75, 0.75, 0.25 (÷1.75).
        // Output 1: centre 3.0, inputs 1..3 with weights 0.25, 0.75, 0.75 (÷1.75).
        var result = PillowResampler.Resize(Gray(4, 1, 0, 70, 140, 210), 2, 1, ResampleFilter.Bilinear);
        // (0·0.75 + 70·0.75 + 140·0.25)/1.75 = 50;  (70·0.25 + 140·0.75 + 210·0.75)/1.75 = 160
        Assert.Equal([50, 160], Channel0(result));
    }

    [Fact]
    public void BilinearDoublingInterpolatesBetweenNeighbours()
    {
        // 2 → 4, scale 0.5, support 1. Centres 0.25, 0.75, 1.25, 1.75; edge outputs only see the nearest pixels.
        // Output 0: inputs 0 (w 1) and... w(x) = 1 - |x + 0.5 - c|: x=0 → 0.75, x=1 → 0 (outside) → 100.
        // Output 1: x=0 → 0.75, x=1 → 0.25 → 0.75·100 + 0.25·200 = 125. Symmetric for 2 and 3.
        var result = PillowResampler.Resize(Gray(2, 1, 100, 200), 4, 1, ResampleFilter.Bilinear);
        Assert.Equal([100, 125, 175, 200], Channel0(result));
    }

    [Fact]
    public void VerticalPassMatchesHorizontalPass()
    {
        var horizontal = PillowResampler.Resize(Gray(4, 1, 0, 70, 140, 210), 2, 1, ResampleFilter.Bilinear);
        var vertical = PillowResampler.Resize(Gray(1, 4, 0, 70, 140, 210), 1, 2, ResampleFilter.Bilinear);
        Assert.Equal(Channel0(horizontal), Channel0(vertical));
    }

    [Fact]
    public void ConstantImageStaysConstantForEveryFilter()
    {
        var flat = new RgbImage(37, 23, Enumerable.Repeat((byte)173, 37 * 23 * 3).ToArray());
        foreach (var filter in Enum.GetValues<ResampleFilter>())
            foreach (var (w, h) in new[] { (5, 4), (80, 50), (37, 9), (11, 23) })
                Assert.All(PillowResampler.Resize(flat, w, h, filter).Pixels, v => Assert.Equal(173, v));
    }

    [Fact]
    public void BicubicOvershootIsClampedToByteRange()
    {
        // A step edge upsampled with bicubic overshoots below 0 and above 255 before clamping.
        var result = PillowResampler.Resize(Gray(4, 1, 0, 0, 255, 255), 16, 1, ResampleFilter.Bicubic);
        var values = Channel0(result);
        Assert.Equal(0, values[0]);
        Assert.Equal(255, values[^1]);
        Assert.Contains(values, v => v > 0 && v < 255);
    }

    [Fact]
    public void NearestPicksSourcePixelAtScaledCentre()
    {
        // 5 → 3: centres (i + 0.5)·5/3 = 0.83, 2.5, 4.17 → source pixels 0, 2, 4.
        var result = PillowResampler.Resize(Gray(5, 1, 10, 20, 30, 40, 50), 3, 1, ResampleFilter.Nearest);
        Assert.Equal([10, 30, 50], Channel0(result));
        // 2 → 5: centres 0.2, 0.6, 1.0, 1.4, 1.8 → 0, 0, 1, 1, 1.
        var up = PillowResampler.Resize(Gray(2, 1, 10, 20), 5, 1, ResampleFilter.Nearest);
        Assert.Equal([10, 10, 20, 20, 20], Channel0(up));
    }

    [Fact]
    public void SameSizeIsAnExactCopy()
    {
        var image = new RgbImage(3, 2, Enumerable.Range(0, 18).Select(i => (byte)(i * 13)).ToArray());
        var result = PillowResampler.Resize(image, 3, 2, ResampleFilter.Lanczos);
        Assert.Equal(image.Pixels, result.Pixels);
        Assert.NotSame(image.Pixels, result.Pixels);
    }

    [Fact]
    public void ChannelsAreResampledIndependently()
    {
        var image = new RgbImage(4, 1, [0, 255, 7, 70, 185, 7, 140, 115, 7, 210, 45, 7]);
        var result = PillowResampler.Resize(image, 2, 1, ResampleFilter.Bilinear);
        // Red as in BilinearHalving; green is 255 − red; blue is constant.
        Assert.Equal([50, 205, 7, 160, 95, 7], result.Pixels);
    }
}
