using Siglip2.Configuration;
using Siglip2.Processing.Images;

namespace Siglip2.Tests.Processing.Images;

public class ImageProcessorBehaviourTests
{
    private static RgbImage Flat(int w, int h, byte v) => new(w, h, Enumerable.Repeat(v, w * h * 3).ToArray());

    [Fact]
    public void FixedWithoutResizeNeedsOneSizePerBatch()
    {
        var config = PreprocessorConfig.Parse("""{"image_processor_type": "SiglipImageProcessor", "do_resize": false}""", "test");
        var processor = ImageProcessorFactory.Create(config);
        Assert.Equal(new long[] { 2, 3, 5, 4 }, processor.Preprocess([Flat(4, 5, 1), Flat(4, 5, 2)]).PixelValuesShape);
        Assert.Throws<Siglip2Exception>(() => processor.Preprocess([Flat(4, 5, 1), Flat(5, 4, 2)]));
    }

    [Fact]
    public void NaFlexWithoutResizeNeedsWholePatches()
    {
        var config = PreprocessorConfig.Parse("""{"image_processor_type": "Siglip2ImageProcessor", "do_resize": false, "patch_size": 4, "max_num_patches": 8}""", "test");
        var processor = ImageProcessorFactory.Create(config);
        var batch = processor.Preprocess([Flat(8, 12, 255)]);
        Assert.Equal(new long[] { 3, 2 }, batch.SpatialShapes);
        Assert.Equal([1, 1, 1, 1, 1, 1, 0, 0], batch.PixelAttentionMask!);
        Assert.Throws<Siglip2Exception>(() => processor.Preprocess([Flat(8, 10, 0)]));   // 10 is not a multiple of 4
        Assert.Throws<Siglip2Exception>(() => processor.Preprocess([Flat(12, 12, 0)]));  // 9 patches > 8
    }

    [Fact]
    public void RescaleAndNormaliseFollowTheConfig()
    {
        // (v/255 − mean)/std per channel: white with mean (0, 0.5, 1) and std (1, 0.5, 0.25) → 1, 1, 0.
        var config = PreprocessorConfig.Parse(
            """{"image_processor_type": "SiglipImageProcessor", "size": {"height": 2, "width": 2}, "image_mean": [0, 0.5, 1], "image_std": [1, 0.5, 0.25]}""", "test");
        var values = ImageProcessorFactory.Create(config).Preprocess([Flat(3, 3, 255)]).PixelValues;
        Assert.Equal([1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 0f, 0f, 0f, 0f], values);

        var raw = PreprocessorConfig.Parse(
            """{"image_processor_type": "SiglipImageProcessor", "size": {"height": 1, "width": 1}, "do_rescale": false, "do_normalize": false}""", "test");
        Assert.Equal([200f, 200f, 200f], ImageProcessorFactory.Create(raw).Preprocess([Flat(1, 1, 200)]).PixelValues);
    }

    [Fact]
    public void NaFlexPatchesAreRowMajorWithChannelsLast()
    {
        // 4 × 2 image, patch 2, no resize: patches (0,0) and (0,1); inside a patch (py, px, channel).
        var pixels = new byte[2 * 4 * 3];
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 4; x++)
                for (int c = 0; c < 3; c++)
                    pixels[(y * 4 + x) * 3 + c] = (byte)(100 * c + 10 * y + x);
        var config = PreprocessorConfig.Parse(
            """{"image_processor_type": "Siglip2ImageProcessor", "do_resize": false, "do_rescale": false, "do_normalize": false, "patch_size": 2, "max_num_patches": 3}""", "test");
        var batch = ImageProcessorFactory.Create(config).Preprocess([new RgbImage(4, 2, pixels)]);
        Assert.Equal(new long[] { 1, 3, 12 }, batch.PixelValuesShape);
        float[] expected =
        [
            0, 100, 200, 1, 101, 201, 10, 110, 210, 11, 111, 211,   // patch (0,0): x 0-1
            2, 102, 202, 3, 103, 203, 12, 112, 212, 13, 113, 213,   // patch (0,1): x 2-3
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                     // padding
        ];
        Assert.Equal(expected, batch.PixelValues);
        Assert.Equal([1, 1, 0], batch.PixelAttentionMask!);
        Assert.Equal(new long[] { 1, 2 }, batch.SpatialShapes);
    }
}
