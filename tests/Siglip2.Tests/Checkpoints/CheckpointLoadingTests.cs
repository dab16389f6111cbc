using System.Text.Json;
using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Modeling;
using Siglip2.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Checkpoints;

public class CheckpointLoadingTests
{
    private static Dictionary<string, Tensor> ReadAll(string path)
    {
        using var f = SafeTensorsFile.Open(path);
        return f.Tensors.Keys.ToDictionary(k => k, k => f.ReadTensor(k));
    }

    private static void CopyConfig(string fixture, string dir) =>
        File.Copy(FixturePaths.Path(fixture, "config.json"), Path.Combine(dir, "config.json"));

    [Theory]
    [InlineData(ScalarType.Float16, 3e-2)]
    [InlineData(ScalarType.BFloat16, 2e-1)]
    public void LoadsHalfPrecisionCheckpointsAsFloat32(ScalarType stored, double tolerance)
    {
        using var tmp = new TempDirectory();
        CopyConfig("siglip-tiny", tmp.Path);
        var tensors = ReadAll(FixturePaths.Path("siglip-tiny", "model.safetensors"));
        SafeTensorsWriter.Save(tmp.File("model.safetensors"), tensors.Select(kv => KeyValuePair.Create(kv.Key, kv.Value.to_type(stored))));
        using var model = CheckpointLoader.Load(tmp.Path);
        var state = model.state_dict();
        foreach (var (name, original) in tensors)
        {
            Assert.Equal(ScalarType.Float32, state[name].dtype);
            // exactly the rounded value, widened back to float32
            Assert.True(state[name].eq(original.to_type(stored).to_type(ScalarType.Float32)).all().item<bool>(), name);
        }
        var report = ReferenceVerification.Run(model, FixturePaths.Path("siglip-tiny", "expected.safetensors"), atol: tolerance);
        Assert.True(report.Passed);
    }

    [Fact]
    public void LoadsShardedCheckpointWithIndex()
    {
        using var tmp = new TempDirectory();
        CopyConfig("siglip2-naflex-tiny", tmp.Path);
        var tensors = ReadAll(FixturePaths.Path("siglip2-naflex-tiny", "model.safetensors"));
        var text = tensors.Where(kv => !kv.Key.StartsWith("vision_model.")).ToList();
        var vision = tensors.Where(kv => kv.Key.StartsWith("vision_model.")).ToList();
        SafeTensorsWriter.Save(tmp.File("model-00001-of-00002.safetensors"), text);
        SafeTensorsWriter.Save(tmp.File("model-00002-of-00002.safetensors"), vision);
        var index = new
        {
            metadata = new { total_size = 0 },
            weight_map = text.ToDictionary(kv => kv.Key, _ => "model-00001-of-00002.safetensors")
                .Concat(vision.ToDictionary(kv => kv.Key, _ => "model-00002-of-00002.safetensors")).ToDictionary(),
        };
        File.WriteAllText(tmp.File("model.safetensors.index.json"), JsonSerializer.Serialize(index));
        using var model = CheckpointLoader.Load(tmp.Path);
        var report = ReferenceVerification.Run(model, FixturePaths.Path("siglip2-naflex-tiny", "expected.safetensors"));
        Assert.True(report.Passed);
    }

    [Fact]
    public void MissingUnexpectedAndMisShapedTensorsAreAllNamed()
    {
        using var tmp = new TempDirectory();
        CopyConfig("siglip-tiny", tmp.Path);
        var tensors = ReadAll(FixturePaths.Path("siglip-tiny", "model.safetensors"));
        tensors.Remove("vision_model.head.probe");
        tensors.Remove("text_model.head.bias");
        tensors["text_model.extra.weight"] = torch.zeros(3);
        tensors["vision_model.post_layernorm.weight"] = torch.zeros(65);
        SafeTensorsWriter.Save(tmp.File("model.safetensors"), tensors);
        var e = Assert.Throws<Siglip2Exception>(() => CheckpointLoader.Load(tmp.Path));
        Assert.Contains("missing 2", e.Message);
        Assert.Contains("vision_model.head.probe", e.Message);
        Assert.Contains("text_model.head.bias", e.Message);
        Assert.Contains("unexpected 1: text_model.extra.weight", e.Message);
        Assert.Contains("mis-shaped 1: vision_model.post_layernorm.weight (checkpoint [65], model [64])", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void IgnoresPositionIdBuffersOfOlderExports()
    {
        using var tmp = new TempDirectory();
        CopyConfig("siglip-tiny", tmp.Path);
        var tensors = ReadAll(FixturePaths.Path("siglip-tiny", "model.safetensors"));
        tensors["text_model.embeddings.position_ids"] = torch.arange(16).unsqueeze(0);
        SafeTensorsWriter.Save(tmp.File("model.safetensors"), tensors);
        using var model = CheckpointLoader.Load(tmp.Path);
        Assert.True(ReferenceVerification.Run(model, FixturePaths.Path("siglip-tiny", "expected.safetensors")).Passed);
    }

    [Fact]
    public void LoadsAVisionOnlyTowerFromItsOwnConfig()
    {
        using var tmp = new TempDirectory();
        var full = Siglip2Config.Load(FixturePaths.Path("siglip2-naflex-tiny"));
        var visionOnly = new Siglip2Config { ModelType = VisionConfig.NaflexModelType, Vision = full.Vision };
        visionOnly.Save(tmp.File("config.json"));
        var tensors = ReadAll(FixturePaths.Path("siglip2-naflex-tiny", "model.safetensors")).Where(kv => kv.Key.StartsWith("vision_model."));
        SafeTensorsWriter.Save(tmp.File("model.safetensors"), tensors);
        using var model = CheckpointLoader.Load(tmp.Path);
        Assert.Null(model.TextModel);
        var report = ReferenceVerification.Run(model, FixturePaths.Path("siglip2-naflex-tiny", "expected.safetensors"));
        Assert.True(report.Passed);
        Assert.Contains(report.Compared, c => c.Name == "vision_pooler_output");
        Assert.DoesNotContain(report.Compared, c => c.Name.StartsWith("text_"));
    }

    [Fact]
    public void SaveThenLoadGivesIdenticalWeights()
    {
        using var tmp = new TempDirectory();
        using var model = CheckpointLoader.Load(FixturePaths.Path("siglip-tiny"));
        CheckpointWriter.Save(model, tmp.Path);
        using var back = CheckpointLoader.Load(tmp.Path);
        var a = model.state_dict();
        var b = back.state_dict();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var k in a.Keys) Assert.True(a[k].eq(b[k]).all().item<bool>(), k);
        Assert.Equal(model.Config.Vision, back.Config.Vision);
    }

    [Fact]
    public void FolderWithoutWeightsSaysWhatIsExpected()
    {
        using var tmp = new TempDirectory();
        CopyConfig("siglip-tiny", tmp.Path);
        var e = Assert.Throws<Siglip2Exception>(() => CheckpointLoader.Load(tmp.Path));
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void TruncatedSafetensorsIsAClearError()
    {
        using var tmp = new TempDirectory();
        CopyConfig("siglip-tiny", tmp.Path);
        var bytes = File.ReadAllBytes(FixturePaths.Path("siglip-tiny", "model.safetensors"));
        File.WriteAllBytes(tmp.File("model.safetensors"), bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<Siglip2Exception>(() => CheckpointLoader.Load(tmp.Path));
        Assert.Contains("truncated or corrupt", e.Message);
    }
}
