using System.Text.Json;
using Siglip2.Configuration;
using Siglip2.Modeling;

namespace Siglip2.Tests.Modeling;

/// <summary>For every official SigLIP 2 layout, the model built from its config.json has exactly the Hugging Face tensor names and shapes.</summary>
public class RealShapesTests
{
    public static TheoryData<string> Layouts()
    {
        var data = new TheoryData<string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.Path("real-shapes", "index.json")));
        foreach (var layout in doc.RootElement.GetProperty("layouts").EnumerateObject()) data.Add(layout.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void ModelFromConfigHasExactlyTheCheckpointTensors(string layout)
    {
        var config = Siglip2Config.Load(FixturePaths.Path("real-shapes", layout, "config.json"));
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.Path("real-shapes", layout, "shapes.json")));
        var expected = doc.RootElement.GetProperty("tensors").EnumerateArray()
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        Assert.Equal(doc.RootElement.GetProperty("num_tensors").GetInt32(), expected.Count);

        var actual = ModelShapes.Describe(config);
        Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), actual.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (name, shape) in expected) Assert.True(shape.SequenceEqual(actual[name]), $"{name}: expected [{string.Join(",", shape)}], got [{string.Join(",", actual[name])}]");
        long parameters = actual.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b));
        Assert.Equal(doc.RootElement.GetProperty("num_parameters").GetInt64(), parameters);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void PresetOfTheSameNameEqualsTheOfficialConfig(string layout)
    {
        var official = Siglip2Config.Load(FixturePaths.Path("real-shapes", layout, "config.json"));
        var preset = ModelPresets.Get(layout);
        Assert.Equal(ModelShapes.Describe(official).OrderBy(k => k.Key).Select(k => (k.Key, string.Join(",", k.Value))),
            ModelShapes.Describe(preset).OrderBy(k => k.Key).Select(k => (k.Key, string.Join(",", k.Value))));
    }
}
