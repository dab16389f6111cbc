using System.Text.Json;
using Siglip2.Processing.Images;

namespace Siglip2.Tests.Processing.Images;

public class NaFlexResizeRuleTests
{
    [Fact]
    public void TinyFixtureSizesMatchHuggingFace()
    {
        // siglip2-naflex-tiny: patch 4, max_num_patches 64; resized_hw_pixels recorded from HF's processor.
        var manifest = JsonDocument.Parse(File.ReadAllText(FixturePaths.Path("siglip2-naflex-tiny", "manifest.json"))).RootElement;
        foreach (var image in manifest.GetProperty("files").GetProperty("images").EnumerateArray())
        {
            var resized = image.GetProperty("resized_hw_pixels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var size = NaFlexResizeRule.TargetSize(image.GetProperty("height").GetInt32(), image.GetProperty("width").GetInt32(), 4, 64);
            Assert.Equal((resized[0], resized[1]), size);
        }
    }

    [Fact]
    public void PreprocessFixtureGridsMatchHuggingFace()
    {
        var manifest = JsonDocument.Parse(File.ReadAllText(FixturePaths.Path("preprocess", "manifest.json"))).RootElement;
        foreach (var image in manifest.GetProperty("images").EnumerateArray())
            foreach (int n in new[] { 256, 1024 })
            {
                var grid = image.GetProperty($"naflex{n}_spatial_shape_hw_patches").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                var size = NaFlexResizeRule.TargetSize(image.GetProperty("height").GetInt32(), image.GetProperty("width").GetInt32(), 16, n);
                Assert.Equal((grid[0] * 16, grid[1] * 16), size);
            }
    }

    [Theory]
    [InlineData(224, 224, 256, 256, 256)]     // square: exactly 16 × 16 patches
    [InlineData(1700, 2200, 256, 224, 288)]   // a document page at 256 patches (reference facts §2)
    [InlineData(7, 200, 40, 16, 464)]         // very wide: one patch row, 29 columns, not every slot used
    [InlineData(1, 1, 256, 112, 112)]         // tiny images: the search caps the scale at 100 → ceil(100/16)·16
    public void KnownSizes(int height, int width, int maxPatches, int expectedHeight, int expectedWidth)
    {
        var size = NaFlexResizeRule.TargetSize(height, width, 16, maxPatches);
        Assert.Equal((expectedHeight, expectedWidth), size);
    }

    [Fact]
    public void NeverExceedsTheBudgetAndSidesArePatchMultiples()
    {
        var random = new Random(3);
        for (int i = 0; i < 300; i++)
        {
            int h = random.Next(1, 5000), w = random.Next(1, 5000), n = random.Next(1, 1100), p = random.Next(1, 33);
            var (th, tw) = NaFlexResizeRule.TargetSize(h, w, p, n);
            Assert.True(th % p == 0 && tw % p == 0 && th >= p && tw >= p);
            // One patch per side is the minimum even when the budget is smaller than 1 × 1.
            Assert.True((long)(th / p) * (tw / p) <= Math.Max(n, 1));
        }
    }
}
