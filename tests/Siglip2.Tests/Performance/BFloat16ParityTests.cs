using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Modeling;
using Siglip2.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Siglip2.Tests.Performance;

/// <summary>
/// bf16 inference (LoadOptions.DType = BFloat16, attention Auto) keeps every image and text embedding within cosine
/// 0.999 of the fp32 model's — on the Hugging Face fixtures and on a real-width B/16 (reduced depth and vocabulary so
/// the test stays quick; the full-size model is exercised by `siglip2 bench`).
/// </summary>
public class BFloat16ParityTests(ITestOutputHelper output)
{
    private const double MinCosine = 0.999;

    [Theory]
    [InlineData("siglip-tiny")]
    [InlineData("siglip2-naflex-tiny")]
    public void FixtureEmbeddingsInBf16StayWithinCosine(string fixture)
    {
        using var inputs = SafeTensorsFile.Open(FixturePaths.Path(fixture, "expected.safetensors"));
        var (image, text) = CosinesBetweenDtypes(FixturePaths.Path(fixture), inputs);
        output.WriteLine($"{fixture}: image cos min {image.Min():F6}, text cos min {text.Min():F6}");
        Assert.All(image, c => Assert.True(c >= MinCosine, $"image embedding cosine {c}"));
        Assert.All(text, c => Assert.True(c >= MinCosine, $"text embedding cosine {c}"));
        Assert.True(image.Length >= 3 && text.Length >= 2);
    }

    [Fact]
    public void RealWidthBase16EmbeddingsInBf16StayWithinCosine()
    {
        var preset = ModelPresets.Get("siglip2-base-patch16-224");
        var config = preset with
        {
            Vision = preset.Vision! with { NumHiddenLayers = 4 },
            Text = preset.Text! with { NumHiddenLayers = 4, VocabSize = 4096 },
        };
        using var dir = new TempDirectory();
        using (var model = new Siglip2Model(config))
        {
            ModelInitializer.Initialize(model, seed: 7);
            CheckpointWriter.Save(model, dir.Path);
        }
        var gen = new torch.Generator(11);
        var pixels = torch.rand(new long[] { 4, 3, 224, 224 }, generator: gen) * 2 - 1;
        var ids = torch.randint(0, 4096, new long[] { 4, 64 }, generator: gen);
        var (image, text) = Cosines(dir.Path, m => m.EmbedImages(pixels), m => m.EmbedTexts(ids));
        output.WriteLine($"B/16 width, depth 4: image cos min {image.Min():F6}, text cos min {text.Min():F6}");
        Assert.All(image, c => Assert.True(c >= MinCosine, $"image embedding cosine {c}"));
        Assert.All(text, c => Assert.True(c >= MinCosine, $"text embedding cosine {c}"));
    }

    private static (double[] Image, double[] Text) CosinesBetweenDtypes(string folder, SafeTensorsFile inputs)
    {
        var pixels = inputs.ReadTensor("pixel_values", ScalarType.Float32);
        var ids = inputs.ReadTensor("input_ids", ScalarType.Int64);
        Func<Siglip2Model, Tensor> embedImages = inputs.Contains("spatial_shapes")
            ? m => m.EmbedImages(pixels, inputs.ReadTensor("pixel_attention_mask", ScalarType.Int64), inputs.ReadTensor("spatial_shapes", ScalarType.Int64))
            : m => m.EmbedImages(pixels);
        return Cosines(folder, embedImages, m => m.EmbedTexts(ids));
    }

    private static (double[] Image, double[] Text) Cosines(string folder, Func<Siglip2Model, Tensor> embedImages, Func<Siglip2Model, Tensor> embedTexts)
    {
        using var mode = torch.inference_mode();
        (Tensor, Tensor) Embed(ScalarType dtype)
        {
            using var model = CheckpointLoader.Load(folder, new LoadOptions { DType = dtype });
            Assert.Equal(dtype, model.Vision.PostLayerNorm.weight!.dtype);
            return (embedImages(model).to_type(ScalarType.Float64), embedTexts(model).to_type(ScalarType.Float64));
        }
        var (i32, t32) = Embed(ScalarType.Float32);
        var (i16, t16) = Embed(ScalarType.BFloat16);
        static double[] RowCosines(Tensor a, Tensor b) =>
            nn.functional.cosine_similarity(a, b, 1).data<double>().ToArray();
        return (RowCosines(i32, i16), RowCosines(t32, t16));
    }
}
