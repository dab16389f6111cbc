using Siglip2.Configuration;
using Siglip2.Processing.Images;

namespace Siglip2.Tests.Processing.Images;

public class PreprocessorConfigTests
{
    [Fact]
    public void ReadsTheFixedResolutionFixture()
    {
        var c = PreprocessorConfig.Load(FixturePaths.Path("preprocess", "preprocessor_config_fixed224.json"));
        Assert.Equal(ImageProcessorKind.FixedResolution, c.Kind);
        Assert.Equal("SiglipImageProcessor", c.ImageProcessorType);
        Assert.Equal((224, 224), (c.Height, c.Width));
        Assert.Equal(ResampleFilter.Bilinear, c.Resample);
        Assert.Equal(0.00392156862745098, c.RescaleFactor);
        Assert.Equal([0.5, 0.5, 0.5], c.ImageMean);
        Assert.Equal([0.5, 0.5, 0.5], c.ImageStd);
        Assert.True(c.DoResize && c.DoRescale && c.DoNormalize);
        Assert.Null(c.DoConvertRgb);
        Assert.IsType<FixedResolutionImageProcessor>(ImageProcessorFactory.Create(c));
    }

    [Fact]
    public void ReadsTheNaFlexFixture()
    {
        var c = PreprocessorConfig.Load(FixturePaths.Path("siglip2-naflex-tiny", "preprocessor_config.json"));
        Assert.Equal(ImageProcessorKind.NaFlex, c.Kind);
        Assert.Equal((4, 64), (c.PatchSize, c.MaxNumPatches));
        Assert.IsType<NaFlexImageProcessor>(ImageProcessorFactory.Create(c));
    }

    [Fact]
    public void MissingFieldsTakeTheHuggingFaceClassDefaults()
    {
        var fixedRes = PreprocessorConfig.Parse("""{"image_processor_type": "SiglipImageProcessor"}""", "test");
        Assert.Equal(ResampleFilter.Bicubic, fixedRes.Resample); // SiglipImageProcessor's own default
        Assert.Equal((224, 224), (fixedRes.Height, fixedRes.Width));
        Assert.Equal(1.0 / 255.0, fixedRes.RescaleFactor);

        var naflex = PreprocessorConfig.Parse("""{"image_processor_type": "Siglip2ImageProcessor", "image_mean": 0.25}""", "test");
        Assert.Equal(ResampleFilter.Bilinear, naflex.Resample);
        Assert.Equal((16, 256), (naflex.PatchSize, naflex.MaxNumPatches));
        Assert.Equal([0.25, 0.25, 0.25], naflex.ImageMean);
    }

    [Theory]
    [InlineData("""{"image_processor_type": "CLIPImageProcessor"}""", "CLIPImageProcessor")]
    [InlineData("""{"resample": 2}""", "image_processor_type")]
    [InlineData("""{"image_processor_type": "SiglipImageProcessor", "resample": 7}""", "resample 7")]
    [InlineData("""{"image_processor_type": "SiglipImageProcessor", "resample": "bilinear"}""", "resample")]
    [InlineData("""{"image_processor_type": "SiglipImageProcessor", "size": {"shortest_edge": 224}}""", "height")]
    [InlineData("""{"image_processor_type": "SiglipImageProcessor", "size": {"height": 0, "width": 224}}""", "size")]
    [InlineData("""{"image_processor_type": "SiglipImageProcessor", "image_std": [0.5, 0, 0.5]}""", "image_std")]
    [InlineData("""{"image_processor_type": "SiglipImageProcessor", "image_mean": [0.5, 0.5]}""", "image_mean")]
    [InlineData("""{"image_processor_type": "SiglipImageProcessor", "rescale_factor": -1}""", "rescale_factor")]
    [InlineData("""{"image_processor_type": "SiglipImageProcessor", "do_resize": "yes"}""", "do_resize")]
    [InlineData("""{"image_processor_type": "Siglip2ImageProcessor", "patch_size": 0}""", "patch_size")]
    [InlineData("""{"image_processor_type": "Siglip2ImageProcessor", "max_num_patches": -5}""", "max_num_patches")]
    [InlineData("""{"image_processor_type": """, "not valid JSON")]
    [InlineData("""[1, 2]""", "JSON object")]
    public void BadConfigsGiveOneLineErrorsNamingTheFileAndField(string json, string mentions)
    {
        var e = Assert.Throws<Siglip2Exception>(() => PreprocessorConfig.Parse(json, "models/x/preprocessor_config.json"));
        Assert.Contains("models/x/preprocessor_config.json", e.Message);
        Assert.Contains(mentions, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingFileFails()
    {
        var e = Assert.Throws<Siglip2Exception>(() => PreprocessorConfig.Load("/nonexistent/preprocessor_config.json"));
        Assert.Contains("/nonexistent/preprocessor_config.json", e.Message);
    }
}
