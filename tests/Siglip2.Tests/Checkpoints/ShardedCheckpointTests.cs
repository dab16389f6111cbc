using System.Text.Json;
using System.Text.Json.Nodes;
using Siglip2.Checkpoints;
using static TorchSharp.torch;

namespace Siglip2.Tests.Checkpoints;

/// <summary>Sharded checkpoints (model.safetensors.index.json): shard names stay in the folder, index and shards agree.</summary>
public class ShardedCheckpointTests
{
    private const string Shard1 = "model-00001-of-00002.safetensors", Shard2 = "model-00002-of-00002.safetensors";

    /// <summary>The naflex fixture split into text (shard 1) and vision (shard 2); returns the weight map to edit.</summary>
    private static JsonObject Split(TempDirectory tmp, Action<Dictionary<string, Tensor>, Dictionary<string, Tensor>>? edit = null)
    {
        File.Copy(FixturePaths.Path("siglip2-naflex-tiny", "config.json"), tmp.File("config.json"));
        Dictionary<string, Tensor> all;
        using (var f = SafeTensorsFile.Open(FixturePaths.Path("siglip2-naflex-tiny", "model.safetensors")))
            all = f.Tensors.Keys.ToDictionary(k => k, k => f.ReadTensor(k));
        var text = all.Where(kv => !kv.Key.StartsWith("vision_model.")).ToDictionary();
        var vision = all.Where(kv => kv.Key.StartsWith("vision_model.")).ToDictionary();
        edit?.Invoke(text, vision);
        SafeTensorsWriter.Save(tmp.File(Shard1), text);
        SafeTensorsWriter.Save(tmp.File(Shard2), vision);
        var map = new JsonObject();
        foreach (var k in text.Keys) map[k] = Shard1;
        foreach (var k in vision.Keys) map[k] = Shard2;
        return map;
    }

    private static void WriteIndex(TempDirectory tmp, JsonNode weightMap) =>
        File.WriteAllText(tmp.File(CheckpointLoader.IndexFileName), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = weightMap }.ToJsonString());

    private static string LoadError(TempDirectory tmp)
    {
        var e = Assert.Throws<Siglip2Exception>(() => CheckpointLoader.Load(tmp.Path).Dispose());
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Theory]
    [InlineData("../model-00001-of-00002.safetensors", "leaves the checkpoint folder")]
    [InlineData("../../etc/passwd", "leaves the checkpoint folder")]
    [InlineData("sub/../../x.safetensors", "leaves the checkpoint folder")]
    [InlineData(".", "leaves the checkpoint folder")]
    [InlineData("/etc/passwd", "is an absolute path")]
    [InlineData("model.safetensors\u0000.txt", "contains a NUL character")]
    public void ShardNamesThatLeaveTheFolderAreRefused(string shard, string expected)
    {
        using var tmp = new TempDirectory();
        var map = Split(tmp);
        map["logit_scale"] = shard;
        WriteIndex(tmp, map);
        string e = LoadError(tmp);
        Assert.Contains(CheckpointLoader.IndexFileName, e);
        Assert.Contains(expected, e);
    }

    [Fact]
    public void AShardInASubfolderOfTheCheckpointIsFine()
    {
        using var tmp = new TempDirectory();
        var map = Split(tmp);
        Directory.CreateDirectory(tmp.File("sub"));
        File.Move(tmp.File(Shard2), tmp.File(Path.Combine("sub", Shard2)));
        foreach (var (k, v) in map.ToList()) if ((string)v! == Shard2) map[k] = "sub/" + Shard2;
        WriteIndex(tmp, map);
        CheckpointLoader.Load(tmp.Path).Dispose();
    }

    [Fact]
    public void WeightMapValuesMustBeStrings()
    {
        using var tmp = new TempDirectory();
        var map = Split(tmp);
        map["logit_scale"] = 7;
        WriteIndex(tmp, map);
        Assert.Contains("weight_map entry 'logit_scale' must be a shard file name (a string), got 7", LoadError(tmp));
        WriteIndex(tmp, new JsonArray());
        Assert.Contains("needs a \"weight_map\" object", LoadError(tmp));
        File.WriteAllText(tmp.File(CheckpointLoader.IndexFileName), "[1]");
        Assert.Contains("must be a JSON object", LoadError(tmp));
        File.WriteAllText(tmp.File(CheckpointLoader.IndexFileName), "{\"weight_map\":{\"a\":\"" + Shard1 + "\",\"a\":\"" + Shard2 + "\"}}");
        Assert.Contains(CheckpointLoader.IndexFileName, LoadError(tmp)); // duplicate keys: strict JSON
    }

    [Fact]
    public void IndexThatIsAFolderOrFifoIsAClearError()
    {
        using var tmp = new TempDirectory();
        Split(tmp);
        Directory.CreateDirectory(tmp.File(CheckpointLoader.IndexFileName));
        Assert.Contains("is a folder", LoadError(tmp));
    }

    [Fact]
    public void ATensorInAnotherShardThanListedIsNamed()
    {
        using var tmp = new TempDirectory();
        var map = Split(tmp);
        map["logit_scale"] = Shard2; // it is in shard 1
        WriteIndex(tmp, map);
        Assert.Contains($"says 'logit_scale' is in {Shard2}, but that shard has no such tensor (it is in {Shard1})", LoadError(tmp));
    }

    [Fact]
    public void ATensorInAShardButNotInTheIndexIsAnError()
    {
        using var tmp = new TempDirectory();
        var map = Split(tmp);
        map.Remove("logit_bias");
        WriteIndex(tmp, map);
        string e = LoadError(tmp);
        Assert.Contains($"{Shard1} holds tensor 'logit_bias', which {tmp.File(CheckpointLoader.IndexFileName)} does not list", e);
    }

    [Fact]
    public void ATensorInTwoShardsIsAnError()
    {
        using var tmp = new TempDirectory();
        var map = Split(tmp, (text, vision) => vision["logit_bias"] = text["logit_bias"]);
        WriteIndex(tmp, map);
        Assert.Contains($"tensor 'logit_bias' is in two shards of {tmp.Path}, {Shard1} and {Shard2}", LoadError(tmp));
    }

    [Fact]
    public void AMissingShardIsNamed()
    {
        using var tmp = new TempDirectory();
        var map = Split(tmp);
        File.Delete(tmp.File(Shard2));
        WriteIndex(tmp, map);
        Assert.Contains($"names shard '{Shard2}', which is not in", LoadError(tmp));
    }
}
