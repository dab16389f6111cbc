using System.Text.Json;
using Siglip2.Configuration;
using Siglip2.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Checkpoints;

/// <summary>Options for <see cref="CheckpointLoader"/>.</summary>
public sealed record LoadOptions
{
    /// <summary>Dtype of the model's weights; null means float32. Stored tensors are converted one at a time (a bf16 file loaded as bf16 is copied as is).</summary>
    public ScalarType? DType { get; init; }
}

/// <summary>
/// Loads a Hugging Face SigLIP / SigLIP 2 checkpoint folder (config.json + model.safetensors, or sharded
/// model-0000x-of-0000y.safetensors with model.safetensors.index.json; F32, F16 or BF16) into a
/// <see cref="Siglip2Model"/> by the exact Hugging Face tensor names. Tensors are copied from the memory-mapped
/// files one at a time, so the process never holds a second full copy of the weights.
/// </summary>
public static class CheckpointLoader
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>Tensor names that Hugging Face itself ignores when found in a checkpoint (non-persistent buffers of older exports).</summary>
    private static bool IsIgnorable(string name) => name.EndsWith(".position_ids", StringComparison.Ordinal);

    public static Siglip2Model Load(string folder, LoadOptions? options = null)
    {
        options ??= new LoadOptions();
        if (!Directory.Exists(folder))
            throw new Siglip2Exception($"model folder not found: {folder} (pass a Hugging Face checkpoint folder with config.json and model.safetensors)");
        var config = Siglip2Config.Load(Path.Combine(folder, "config.json"));
        var files = OpenWeights(folder);
        try
        {
            // Every weight comes from the files (Fill checks that), so the modules are built without random init
            // and directly in the requested dtype; the few small tensors built otherwise are converted by to().
            var dtype = options.DType ?? ScalarType.Float32;
            Siglip2Model model;
            using (ParameterInitialization.SkipRandomInit(dtype))
                model = new Siglip2Model(config);
            try
            {
                if (dtype != ScalarType.Float32) model.to(dtype);
                Fill(model, files, folder);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            model.eval();
            return model;
        }
        finally
        {
            foreach (var f in files.Values.Distinct()) f.Dispose();
        }
    }

    /// <summary>Opens the weight files of a folder: name → the file holding that tensor.</summary>
    public static Dictionary<string, SafeTensorsFile> OpenWeights(string folder)
    {
        string single = Path.Combine(folder, SingleFileName);
        string index = Path.Combine(folder, IndexFileName);
        var map = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        if (File.Exists(single))
        {
            var f = SafeTensorsFile.Open(single);
            foreach (var name in f.Tensors.Keys) map[name] = f;
            return map;
        }
        if (File.Exists(index))
        {
            Dictionary<string, string> weightMap;
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(index));
                weightMap = doc.RootElement.GetProperty("weight_map").EnumerateObject()
                    .ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new Siglip2Exception($"{index}: not a valid safetensors index (needs a \"weight_map\" object: {e.Message})");
            }
            var opened = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
            try
            {
                foreach (var (name, file) in weightMap)
                {
                    if (!opened.TryGetValue(file, out var f))
                    {
                        string path = Path.Combine(folder, file);
                        if (!File.Exists(path))
                            throw new Siglip2Exception($"{index} names shard '{file}', which is not in {folder} (download every shard)");
                        f = SafeTensorsFile.Open(path);
                        opened[file] = f;
                    }
                    if (!f.Contains(name))
                        throw new Siglip2Exception($"{index} says '{name}' is in {file}, but that shard has no such tensor");
                    map[name] = f;
                }
            }
            catch
            {
                foreach (var f in opened.Values) f.Dispose();
                throw;
            }
            return map;
        }
        throw new Siglip2Exception($"no weights in {folder}: expected {SingleFileName} or {IndexFileName} with its shards (PyTorch .bin checkpoints are not supported: convert them to safetensors)");
    }

    /// <summary>
    /// Copies every tensor of the model from the files, checking names and shapes first. Any missing, unexpected or
    /// mis-shaped tensor aborts with one error that lists them all.
    /// </summary>
    public static void Fill(nn.Module model, IReadOnlyDictionary<string, SafeTensorsFile> files, string where)
    {
        var expected = model.state_dict();
        var missing = new List<string>();
        var misShaped = new List<string>();
        foreach (var (name, tensor) in expected)
        {
            if (!files.TryGetValue(name, out var f)) { missing.Add(name); continue; }
            var info = f.Info(name);
            if (!info.Shape.SequenceEqual(tensor.shape))
                misShaped.Add($"{name} (checkpoint [{string.Join(", ", info.Shape)}], model [{string.Join(", ", tensor.shape)}])");
        }
        var unexpected = files.Keys.Where(k => !expected.ContainsKey(k) && !IsIgnorable(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (missing.Count + unexpected.Count + misShaped.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"missing {missing.Count}: {Abbreviate(missing)}");
            if (unexpected.Count > 0) parts.Add($"unexpected {unexpected.Count}: {Abbreviate(unexpected)}");
            if (misShaped.Count > 0) parts.Add($"mis-shaped {misShaped.Count}: {Abbreviate(misShaped)}");
            throw new Siglip2Exception($"weights in {where} do not match its config.json — {string.Join("; ", parts)} (is config.json from the same checkpoint?)");
        }
        using var _ = torch.no_grad();
        foreach (var (name, tensor) in expected)
            files[name].CopyTo(name, tensor);
    }

    private static string Abbreviate(List<string> names, int max = 8) =>
        names.Count <= max ? string.Join(", ", names) : string.Join(", ", names.Take(max)) + $", … and {names.Count - max} more";
}
