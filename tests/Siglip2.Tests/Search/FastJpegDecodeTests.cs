using SkiaSharp;
using Siglip2.Processing.Images;

namespace Siglip2.Tests.Search;

/// <summary>
/// `index --fast-decode`: a large JPEG decoded at a DCT scale keeps both sides at or above the minimum. Its pixels
/// match a full decode averaged over the same blocks (an independent reduction), within JPEG rounding. Other formats
/// are unaffected.
/// </summary>
public class FastJpegDecodeTests
{
    [Fact]
    public void ALargeJpegIsDecodedAtTheSmallestScaleAboveTheMinimum()
    {
        using var source = SKBitmap.Decode(FixturePaths.Path("preprocess", "grace_hopper.jpg"));
        using var big = source.Resize(new SKImageInfo(2000, 1600), new SKSamplingOptions(SKFilterMode.Linear));
        byte[] jpeg = big.Encode(SKEncodedImageFormat.Jpeg, 95).ToArray();
        var full = ImageDecoder.Decode(jpeg, "big.jpg");
        var fast = ImageDecoder.Decode(jpeg, "big.jpg", new ImageDecodeOptions { JpegMinimumSide = 180 });
        Assert.Equal((250, 200), (fast.Width, fast.Height)); // 1/8: the smallest scale keeping ≥ 180 px
        var half = ImageDecoder.Decode(jpeg, "big.jpg", new ImageDecodeOptions { JpegMinimumSide = 500 });
        Assert.Equal((1000, 800), (half.Width, half.Height)); // 1/4 would give 400 < 500
        // each fast pixel ≈ the mean of its 8×8 block of the full decode
        double total = 0;
        for (int y = 0; y < fast.Height; y++)
            for (int x = 0; x < fast.Width; x++)
                for (int c = 0; c < 3; c++)
                {
                    double sum = 0;
                    for (int dy = 0; dy < 8; dy++)
                        for (int dx = 0; dx < 8; dx++) sum += full.Pixels[((y * 8 + dy) * full.Width + x * 8 + dx) * 3 + c];
                    total += Math.Abs(sum / 64 - fast.Pixels[(y * fast.Width + x) * 3 + c]);
                }
        double mean = total / (fast.Width * fast.Height * 3);
        Assert.True(mean < 3, $"mean |Δ| {mean:F2} levels");
        // a PNG is decoded at full size whatever the option
        var png = ImageDecoder.Decode(File.ReadAllBytes(FixturePaths.Path("siglip-tiny", "image_0_45x30.png")), "x.png", new ImageDecodeOptions { JpegMinimumSide = 1 });
        Assert.Equal((45, 30), (png.Width, png.Height));
    }
}
