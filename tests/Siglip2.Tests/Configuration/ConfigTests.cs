using Siglip2.Configuration;

namespace Siglip2.Tests.Configuration;

public class ConfigTests
{
    [Fact]
    public void ReadsBothDualTowerLayouts()
    {
        var fixedRes = Siglip2Config.Load(FixturePaths.Path("siglip-tiny"));
        Assert.False(fixedRes.IsNaflex);
        Assert.Equal(32, fixedRes.Vision!.ImageSize);
        Assert.Equal(8, fixedRes.Vision.PatchSize);
        Assert.Equal(16, fixedRes.Vision.NumPositions);
        var naflex = Siglip2Config.Load(FixturePaths.Path("siglip2-naflex-tiny"));
        Assert.True(naflex.IsNaflex);
        Assert.Equal(16, naflex.Vision!.NumPatches);
        Assert.Equal(4, naflex.Vision.PositionGridSide);
        Assert.Equal(1000, naflex.Text!.VocabSize);
    }

    [Fact]
    public void GiantOptPairsGiantVisionWithSo400mTextProjectedTo1536()
    {
        var c = Siglip2Config.Load(FixturePaths.Path("real-shapes", "siglip2-giant-opt-patch16-256"));
        Assert.Equal(1536, c.Vision!.HiddenSize);
        Assert.Equal(1152, c.Text!.HiddenSize);
        Assert.Equal(1536, c.Text.ProjectionSize);
    }

    [Theory]
    [InlineData("siglip_vision_model", false)]
    [InlineData("siglip2_vision_model", true)]
    public void ReadsVisionOnlyTowersIncludingHeadless(string modelType, bool naflex)
    {
        string json = $$"""{"model_type": "{{modelType}}", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 1, "num_attention_heads": 4, "patch_size": 4, "image_size": 16, "num_patches": 16, "vision_use_head": false}""";
        var c = Siglip2Config.Parse(json);
        Assert.Null(c.Text);
        Assert.Equal(naflex, c.IsNaflex);
        Assert.False(c.Vision!.VisionUseHead);
        var shapes = Siglip2.Modeling.ModelShapes.Describe(c);
        Assert.DoesNotContain(shapes.Keys, k => k.Contains(".head."));
        Assert.All(shapes.Keys, k => Assert.StartsWith("vision_model.", k));
    }

    [Theory]
    [InlineData("""{"model_type": "clip"}""", "model_type 'clip'")]
    [InlineData("""{"vision_config": {}}""", "no model_type")]
    [InlineData("""{"model_type": "siglip", "vision_config": {"hidden_size": 100, "num_attention_heads": 12}}""", "not divisible by num_attention_heads")]
    [InlineData("""{"model_type": "siglip", "vision_config": {"image_size": 225, "patch_size": 16}}""", "image_size 225 is not divisible by patch_size 16")]
    [InlineData("""{"model_type": "siglip2", "vision_config": {"num_patches": 200}}""", "not a perfect square")]
    [InlineData("""{"model_type": "siglip", "text_config": {"hidden_act": "swish"}}""", "hidden_act 'swish'")]
    [InlineData("""{"model_type": "siglip", "text_config": {"hidden_size": "big"}}""", "must be an integer")]
    [InlineData("""{"model_type": "siglip", "vision_config": {"model_type": "siglip2_vision_model"}}""", "needs a vision_config of model_type")]
    [InlineData("""{"model_type": "siglip", "text_config": {"num_hidden_layers": 0}}""", "num_hidden_layers must be a positive integer")]
    [InlineData("""not json""", "not valid JSON")]
    public void ImpossibleConfigsGiveOneLineErrors(string json, string expectedFragment)
    {
        var e = Assert.Throws<Siglip2Exception>(() => Siglip2Config.Parse(json, "test/config.json"));
        Assert.Contains(expectedFragment, e.Message);
        Assert.Contains("test/config.json", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingConfigFileNamesThePath()
    {
        var e = Assert.Throws<Siglip2Exception>(() => Siglip2Config.Load("/definitely/not/here"));
        Assert.Contains("/definitely/not/here", e.Message);
    }

    [Fact]
    public void SavedConfigReadsBackEqual()
    {
        foreach (var name in new[] { "siglip2-base-patch16-224", "siglip2-so400m-patch16-naflex", "siglip2-giant-opt-patch16-384" })
        {
            var c = ModelPresets.Get(name);
            var back = Siglip2Config.Parse(c.ToJsonString());
            Assert.Equal(c.Vision, back.Vision);
            Assert.Equal(c.Text, back.Text);
            Assert.Equal(c.ModelType, back.ModelType);
        }
    }

    [Fact]
    public void UnknownPresetListsTheKnownOnes()
    {
        var e = Assert.Throws<Siglip2Exception>(() => ModelPresets.Get("siglip2-huge"));
        Assert.Contains("siglip2-base-patch16-224", e.Message);
    }
}
