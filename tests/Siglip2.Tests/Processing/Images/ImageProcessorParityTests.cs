using System.Runtime.InteropServices;
using System.Text.Json;
using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Processing.Images;
using Xunit.Abstractions;

namespace Siglip2.Tests.Processing.Images;

/// <summary>
/// The processors against tensors produced by Hugging Face transformers' slow SiglipImageProcessor /
/// Siglip2ImageProcessor with Pillow 9.4 (tests/fixtures/preprocess, siglip-tiny, siglip2-naflex-tiny).
/// Tolerance: the manifests' 1e-6; one 8-bit level would be 2/255 ≈ 0.0078, so 1e-6 means exact pixels.
/// </summary>
public class ImageProcessorParityTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-6f;

    private static readonly string[] ImageKeys = ["img0", "img1", "img2", "img3"];

    private static JsonElement PreprocessImage(string key)
    {
        var manifest = JsonDocument.Parse(File.ReadAllText(FixturePaths.Path("preprocess", "manifest.json"))).RootElement;
        return manifest.GetProperty("images").EnumerateArray().Single(e => e.GetProperty("key").GetString() == key);
    }

    private static RgbImage DecodePreprocess(string file) =>
        ImageDecoder.DecodeFile(FixturePaths.Path("preprocess", file), new ImageDecodeOptions { ApplyExifOrientation = false });

    private void AssertClose(string label, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float maxDiff = 0;
        int differing = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float d = MathF.Abs(expected[i] - actual[i]);
            if (d > 0) differing++;
            if (d > maxDiff || float.IsNaN(d)) maxDiff = float.IsNaN(d) ? float.PositiveInfinity : d;
        }
        output.WriteLine($"{label}: {expected.Length} values, max |diff| {maxDiff:G3} ({maxDiff * 255 / 2:F2} 8-bit levels), {differing} differ");
        Assert.True(maxDiff <= Tolerance, $"{label}: max |diff| {maxDiff} over {Tolerance}, {differing} of {expected.Length} values differ");
    }

    public static TheoryData<string, string> FixedCases() => new()
    {
        { "img0", "rgb" }, { "img1", "rgb" }, { "img2", "rgb" }, { "img3", "rgb" },
        { "img1", "fromfile" }, { "img2", "fromfile" }, { "img3", "fromfile" },
    };

    [Theory]
    [MemberData(nameof(FixedCases))]
    public void Fixed224MatchesHuggingFace(string key, string input)
    {
        var processor = ImageProcessorFactory.FromFile(FixturePaths.Path("preprocess", "preprocessor_config_fixed224.json"));
        Assert.IsType<FixedResolutionImageProcessor>(processor);
        var entry = PreprocessImage(key);
        var image = DecodePreprocess(entry.GetProperty(input == "rgb" ? "rgb_png" : "file").GetString()!);

        var batch = processor.Preprocess([image]);

        Assert.Equal(new long[] { 1, 3, 224, 224 }, batch.PixelValuesShape);
        using var expected = SafeTensorsFile.Open(FixturePaths.Path("preprocess", "expected.safetensors"));
        string name = input == "rgb" ? $"fixed224_pixel_values_{key}" : $"fixed224_pixel_values_fromfile_{key}";
        AssertClose(name, expected.ReadFloats(name), batch.PixelValues);
    }

    public static TheoryData<string, int> NaFlexCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var key in ImageKeys) { data.Add(key, 256); data.Add(key, 1024); }
        return data;
    }

    [Theory]
    [MemberData(nameof(NaFlexCases))]
    public void NaFlexMatchesHuggingFace(string key, int maxPatches)
    {
        var processor = ImageProcessorFactory.FromFile(FixturePaths.Path("preprocess", $"preprocessor_config_naflex{maxPatches}.json"));
        Assert.IsType<NaFlexImageProcessor>(processor);
        var entry = PreprocessImage(key);
        var image = DecodePreprocess(entry.GetProperty("rgb_png").GetString()!);

        var batch = processor.Preprocess([image]);

        using var expected = SafeTensorsFile.Open(FixturePaths.Path("preprocess", "expected.safetensors"));
        string prefix = $"naflex{maxPatches}";
        Assert.Equal(new long[] { 1, maxPatches, 768 }, batch.PixelValuesShape);
        AssertClose($"{prefix}_pixel_values_{key}", expected.ReadFloats($"{prefix}_pixel_values_{key}"), batch.PixelValues);

        var expectedMask = MemoryMarshal.Cast<byte, int>(expected.RawBytes($"{prefix}_pixel_attention_mask_{key}")).ToArray();
        Assert.Equal(expectedMask, batch.PixelAttentionMask);
        var expectedShape = expected.ReadInt64s($"{prefix}_spatial_shapes_{key}");
        Assert.Equal(expectedShape, batch.SpatialShapes);
        var manifestShape = entry.GetProperty($"{prefix}_spatial_shape_hw_patches").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.Equal(manifestShape, batch.SpatialShapes);
    }

    private static RgbImage[] TinyImages(string folder)
    {
        var manifest = JsonDocument.Parse(File.ReadAllText(FixturePaths.Path(folder, "manifest.json"))).RootElement;
        return manifest.GetProperty("files").GetProperty("images").EnumerateArray()
            .Select(e => ImageDecoder.DecodeFile(FixturePaths.Path(folder, e.GetProperty("file").GetString()!)))
            .ToArray();
    }

    [Fact]
    public void SiglipTinyBatchMatchesHuggingFace()
    {
        var processor = ImageProcessorFactory.FromFile(FixturePaths.Path("siglip-tiny", "preprocessor_config.json"));
        var batch = processor.Preprocess(TinyImages("siglip-tiny"));

        using var expected = SafeTensorsFile.Open(FixturePaths.Path("siglip-tiny", "expected.safetensors"));
        Assert.Equal(expected.Info("pixel_values").Shape, batch.PixelValuesShape);
        AssertClose("siglip-tiny pixel_values", expected.ReadFloats("pixel_values"), batch.PixelValues);
        Assert.Null(batch.PixelAttentionMask);
        Assert.Null(batch.SpatialShapes);
    }

    [Fact]
    public void NaFlexTinyBatchMatchesHuggingFace()
    {
        var processor = ImageProcessorFactory.FromFile(FixturePaths.Path("siglip2-naflex-tiny", "preprocessor_config.json"));
        var batch = processor.Preprocess(TinyImages("siglip2-naflex-tiny"));

        using var expected = SafeTensorsFile.Open(FixturePaths.Path("siglip2-naflex-tiny", "expected.safetensors"));
        Assert.Equal(expected.Info("pixel_values").Shape, batch.PixelValuesShape);
        AssertClose("naflex-tiny pixel_values", expected.ReadFloats("pixel_values"), batch.PixelValues);
        Assert.Equal(MemoryMarshal.Cast<byte, int>(expected.RawBytes("pixel_attention_mask")).ToArray(), batch.PixelAttentionMask);
        Assert.Equal(expected.ReadInt64s("spatial_shapes"), batch.SpatialShapes);
    }

    [Fact]
    public void TensorsCarryHuggingFaceNamesDtypesAndValues()
    {
        var processor = ImageProcessorFactory.FromFile(FixturePaths.Path("siglip2-naflex-tiny", "preprocessor_config.json"));
        var batch = processor.Preprocess(TinyImages("siglip2-naflex-tiny"));
        var tensors = batch.ToTensors();
        try
        {
            using var expected = SafeTensorsFile.Open(FixturePaths.Path("siglip2-naflex-tiny", "expected.safetensors"));
            using var expectedValues = expected.ReadTensor("pixel_values");
            using var expectedMask = expected.ReadTensor("pixel_attention_mask");
            using var expectedShapes = expected.ReadTensor("spatial_shapes");
            Assert.Equal(TorchSharp.torch.ScalarType.Float32, tensors["pixel_values"].dtype);
            Assert.Equal(TorchSharp.torch.ScalarType.Int32, tensors["pixel_attention_mask"].dtype);
            Assert.Equal(TorchSharp.torch.ScalarType.Int64, tensors["spatial_shapes"].dtype);
            Assert.True(tensors["pixel_values"].allclose(expectedValues, rtol: 0, atol: 1e-6));
            Assert.Equal(expectedMask.shape, tensors["pixel_attention_mask"].shape);
            Assert.Equal(expectedMask.to_type(TorchSharp.torch.ScalarType.Int32).data<int>().ToArray(), tensors["pixel_attention_mask"].data<int>().ToArray());
            Assert.Equal(expectedShapes.shape, tensors["spatial_shapes"].shape);
            Assert.Equal(expectedShapes.data<long>().ToArray(), tensors["spatial_shapes"].data<long>().ToArray());
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
