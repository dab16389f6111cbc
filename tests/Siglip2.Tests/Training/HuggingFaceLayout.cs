using System.Text.Json.Nodes;
using Siglip2.Checkpoints;

namespace Siglip2.Tests.Training;

/// <summary>
/// What Hugging Face transformers needs to load a checkpoint folder with <c>from_pretrained</c>, checked against a
/// folder that transformers itself wrote (the shipped fixtures). transformers cannot run on this machine (no Python
/// package of it in Debian, no pip index), so this is the closest independent check: every tensor name, shape and
/// dtype of the reference, no extra tensor (transformers warns of unused weights and reinitialises missing ones), the
/// safetensors metadata <c>format = pt</c> (without it transformers refuses the file), and config.json with the same
/// <c>model_type</c>s and, for every setting both files hold, the same value.
/// </summary>
public static class HuggingFaceLayout
{
    public static void AssertSameLayout(string transformersFolder, string ourFolder)
    {
        using (var reference = SafeTensorsFile.Open(Path.Combine(transformersFolder, CheckpointLoader.SingleFileName)))
        using (var ours = SafeTensorsFile.Open(Path.Combine(ourFolder, CheckpointLoader.SingleFileName)))
        {
            Assert.Equal(reference.Tensors.Keys.Order(StringComparer.Ordinal), ours.Tensors.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, info) in reference.Tensors)
            {
                Assert.True(info.DType == ours.Tensors[name].DType, $"{name}: dtype {ours.Tensors[name].DType}, transformers wrote {info.DType}");
                Assert.True(info.Shape.SequenceEqual(ours.Tensors[name].Shape), $"{name}: shape [{string.Join(",", ours.Tensors[name].Shape)}], transformers wrote [{string.Join(",", info.Shape)}]");
            }
            Assert.True(ours.Metadata.TryGetValue("format", out var format) && format == "pt", "model.safetensors lacks the metadata format=pt that transformers requires");
        }
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(transformersFolder, "config.json")))!.AsObject();
        var actual = JsonNode.Parse(File.ReadAllText(Path.Combine(ourFolder, "config.json")))!.AsObject();
        AssertSameSettings(expected, actual, "config.json");
    }

    private static void AssertSameSettings(JsonObject expected, JsonObject actual, string where)
    {
        if (expected["model_type"] is { } type) Assert.True(actual["model_type"]?.ToJsonString() == type.ToJsonString(), $"{where}: model_type {actual["model_type"]}, expected {type}");
        foreach (var (key, value) in expected)
        {
            if (key == "transformers_version" || !actual.TryGetPropertyValue(key, out var ours) || value is null) continue;
            if (value is JsonObject sub)
            {
                Assert.True(ours is JsonObject, $"{where}.{key} is not an object");
                AssertSameSettings(sub, (JsonObject)ours!, $"{where}.{key}");
            }
            else Assert.True(JsonNode.DeepEquals(value, ours) || SameNumber(value, ours), $"{where}.{key}: {ours?.ToJsonString()}, transformers wrote {value.ToJsonString()}");
        }
        foreach (var section in new[] { "text_config", "vision_config" })
            if (expected.ContainsKey(section)) Assert.True(actual[section] is JsonObject, $"{where} lacks {section}");
    }

    private static bool SameNumber(JsonNode a, JsonNode? b) =>
        a is JsonValue va && b is JsonValue vb && va.TryGetValue(out double x) && vb.TryGetValue(out double y) && x == y;
}
