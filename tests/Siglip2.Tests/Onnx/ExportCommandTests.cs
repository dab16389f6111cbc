using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Siglip2.Onnx;
using Siglip2.Tests.Reliability;
using static TorchSharp.torch;

namespace Siglip2.Tests.Onnx;

/// <summary>`siglip2 export`: both folder layouts on the tiny fixtures, the written graphs run by ONNX Runtime, and clear errors.</summary>
public class ExportCommandTests
{
    [Theory]
    [InlineData("siglip-tiny", "none")]
    [InlineData("siglip2-naflex-tiny", "int8")]
    public void OnnxCommunityLayoutHoldsBothTowersAndTheCheckpointFiles(string fixture, string quantize)
    {
        using var tmp = new TempDirectory();
        string output = tmp.File("export");
        var r = CliRun.Main("export", "--model", FixturePaths.Path(fixture), "--format", "onnx", "--output", output, "--quantize", quantize, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        var files = doc.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToList();
        string suffix = quantize == "int8" ? "_int8" : "";
        Assert.Contains($"onnx/vision_model{suffix}.onnx", files);
        Assert.Contains($"onnx/text_model{suffix}.onnx", files);
        Assert.Contains("config.json", files);
        Assert.Contains("preprocessor_config.json", files);
        foreach (var f in files) Assert.True(File.Exists(Path.Combine(output, f)), f);
        Assert.Equal(File.ReadAllBytes(FixturePaths.Path(fixture, "config.json")), File.ReadAllBytes(Path.Combine(output, "config.json")));

        // the written text graph reproduces the reference text embeddings (int8: within a cosine bound)
        using var session = OnnxSessionFactory.Open(Path.Combine(output, $"onnx/text_model{suffix}.onnx"), threads: 1);
        Assert.Equal(["input_ids"], session.InputNames);
        Assert.Equal(["last_hidden_state", "pooler_output", "text_embeds"], session.OutputNames);
        using var expected = OrtRun.Expected(fixture);
        using var scope = NewDisposeScope();
        var embeds = OrtRun.Run(session, ("input_ids", expected.ReadTensor("input_ids", ScalarType.Int64)))["text_embeds"];
        var reference = expected.ReadTensor("text_embeds", ScalarType.Float32).contiguous().data<float>().ToArray();
        if (quantize == "none") Assert.True(OrtRun.MaxAbsDiff(embeds, expected.ReadTensor("text_embeds")) <= 1e-5);
        else Assert.True(OrtRun.Cosine(embeds.Data.AsSpan(0, 64), reference.AsSpan(0, 64)) >= 0.998);
    }

    [Fact]
    public void ImmichLayoutHasItsNamesAndConfigs()
    {
        const string fixture = "siglip-tiny";
        using var tmp = new TempDirectory();
        string output = tmp.File("immich");
        var r = CliRun.Main("export", "--model", FixturePaths.Path(fixture), "--format", "onnx", "--output", output, "--layout", "immich");
        Assert.True(r.ExitCode == 0, r.StdErr);
        foreach (var f in new[] { "visual/model.onnx", "visual/preprocess_cfg.json", "textual/model.onnx", "config.json" })
            Assert.True(File.Exists(Path.Combine(output, f)), f);

        using var cfg = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "visual/preprocess_cfg.json")));
        Assert.Equal(32, cfg.RootElement.GetProperty("size")[0].GetInt32());
        Assert.Equal("squash", cfg.RootElement.GetProperty("resize_mode").GetString());
        Assert.Equal(0.5, cfg.RootElement.GetProperty("mean")[0].GetDouble(), 6);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "config.json")));
        Assert.Equal(16, config.RootElement.GetProperty("text_cfg").GetProperty("context_length").GetInt32());

        // Immich feeds {"image": float (1, 3, H, W)} and {"text": int32 (1, L)} and reads the first output
        using var expected = OrtRun.Expected(fixture);
        using var scope = NewDisposeScope();
        using (var visual = OnnxSessionFactory.Open(Path.Combine(output, "visual/model.onnx"), threads: 1))
        {
            Assert.Equal(["image"], visual.InputNames);
            Assert.Equal(["embedding"], visual.OutputNames);
            var embedding = OrtRun.Run(visual, ("image", expected.ReadTensor("pixel_values", ScalarType.Float32)))["embedding"];
            Assert.True(OrtRun.MaxAbsDiff(embedding, expected.ReadTensor("image_embeds")) <= 1e-5);
        }
        using var textual = OnnxSessionFactory.Open(Path.Combine(output, "textual/model.onnx"), threads: 1);
        Assert.Equal(["text"], textual.InputNames);
        var ids = expected.ReadTensor("input_ids", ScalarType.Int64);
        var ids32 = ids.to_type(ScalarType.Int32).contiguous().data<int>().ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(ids32, ids.shape);
        using var runOptions = new RunOptions();
        using var outputs = textual.Run(runOptions, new Dictionary<string, OrtValue> { ["text"] = input }, textual.OutputNames);
        var text = new OrtRun.Array32(outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[0].GetTensorTypeAndShape().Shape);
        Assert.True(OrtRun.MaxAbsDiff(text, expected.ReadTensor("text_embeds")) <= 1e-5);
    }

    [Theory]
    [InlineData(new[] { "--format", "tflite" }, "--format must be onnx")]
    [InlineData(new[] { "--format", "onnx", "--quantize", "int4" }, "--quantize")]
    [InlineData(new[] { "--format", "onnx", "--layout", "immich", "--naflex" }, "fixed-resolution")]
    public void MistakesGiveOneLine(string[] extra, string expected)
    {
        using var tmp = new TempDirectory();
        bool naflex = extra.Contains("--naflex");
        var args = new List<string> { "export", "--model", FixturePaths.Path(naflex ? "siglip2-naflex-tiny" : "siglip-tiny"), "--output", tmp.File("out") };
        args.AddRange(extra.Where(e => e != "--naflex"));
        var r = CliRun.Main([.. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.OneLineError());
    }

    [Fact]
    public void RefusesToWriteIntoTheCheckpoint()
    {
        var r = CliRun.Main("export", "--model", FixturePaths.Path("siglip-tiny"), "--format", "onnx", "--output", FixturePaths.Path("siglip-tiny"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("input", r.OneLineError());
    }
}
