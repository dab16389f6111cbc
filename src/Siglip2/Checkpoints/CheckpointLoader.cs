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
        string configPath = Path.Combine(folder, "config.json");
        Siglip2Config config;
        try
        {
            config = Siglip2Config.Load(configPath);
        }
        catch (ConfigLimitException limit)
        {
            throw ConfigWeightsCheck.Explain(limit, folder) ?? limit;
        }
        var files = OpenWeights(folder);
        try
        {
            // config against the headers first: a wrong size must not build (or allocate) a model
            ConfigWeightsCheck.Check(config, files, configPath);
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

    /// <summary>
    /// Opens the weight files of a folder: name → the file holding that tensor. A sharded index must name shards
    /// inside the folder, list every tensor of its shards in the shard that holds it, and no tensor may be in two shards.
    /// </summary>
    public static Dictionary<string, SafeTensorsFile> OpenWeights(string folder)
    {
        string single = Path.Combine(folder, SingleFileName);
        string index = Path.Combine(folder, IndexFileName);
        var map = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        if (InputFile.KindOf(single) != InputFileKind.Missing)
        {
            var f = SafeTensorsFile.Open(single);
            foreach (var name in f.Tensors.Keys) map[name] = f;
            return map;
        }
        if (InputFile.KindOf(index) == InputFileKind.Missing)
            throw new Siglip2Exception($"no weights in {folder}: expected {SingleFileName} or {IndexFileName} with its shards (PyTorch .bin checkpoints are not supported: convert them to safetensors)");
        var weightMap = ReadIndex(index);
        var opened = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var shard in weightMap.Values)
            {
                if (opened.ContainsKey(shard)) continue;
                string path = ShardPath(folder, shard, index);
                if (InputFile.KindOf(path) == InputFileKind.Missing)
                    throw new Siglip2Exception($"{index} names shard '{shard}', which is not in {folder} (download every shard)");
                opened[shard] = SafeTensorsFile.Open(path);
            }
            // Every tensor of every shard must be listed, in the shard that holds it, and be in one shard only: otherwise
            // it would be loaded from an unpredictable place or silently ignored.
            var holder = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (shard, f) in opened.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                foreach (var name in f.Tensors.Keys)
                {
                    if (holder.TryGetValue(name, out var first))
                        throw new Siglip2Exception($"tensor '{name}' is in two shards of {folder}, {first} and {shard}; a checkpoint holds each tensor once (re-download the shards)");
                    holder[name] = shard;
                    if (!weightMap.ContainsKey(name) && !IsIgnorable(name))
                        throw new Siglip2Exception($"{f.Path} holds tensor '{name}', which {index} does not list (the index and its shards do not belong together; re-download them)");
                }
            foreach (var (name, shard) in weightMap)
            {
                var f = opened[shard];
                if (!f.Contains(name))
                    throw new Siglip2Exception($"{index} says '{name}' is in {shard}, but that shard has no such tensor"
                        + (holder.TryGetValue(name, out var actual) ? $" (it is in {actual})" : "") + "; re-download the index and its shards");
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

    /// <summary>Reads the <c>weight_map</c> of a shard index: tensor name → shard file name.</summary>
    private static Dictionary<string, string> ReadIndex(string index)
    {
        using var doc = StrictJson.ParseDocument(InputFile.ReadAllText(index, IndexFileName, InputLimits.JsonConfigBytes), index);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new Siglip2Exception($"{index}: a safetensors index must be a JSON object with a \"weight_map\", got {StrictJson.Show(doc.RootElement)}");
        if (!doc.RootElement.TryGetProperty("weight_map", out var weights) || weights.ValueKind != JsonValueKind.Object)
            throw new Siglip2Exception($"{index}: not a valid safetensors index (needs a \"weight_map\" object of tensor name → shard file name)");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in weights.EnumerateObject())
        {
            string name = JsonName(p, index);
            if (p.Value.ValueKind != JsonValueKind.String)
                throw new Siglip2Exception($"{index}: weight_map entry '{name}' must be a shard file name (a string), got {StrictJson.Show(p.Value)}");
            string? shard;
            try { shard = p.Value.GetString(); }
            catch (InvalidOperationException) { shard = null; }
            if (string.IsNullOrEmpty(shard))
                throw new Siglip2Exception($"{index}: weight_map entry '{name}' names no shard file (an empty or invalid string)");
            if (!map.TryAdd(name, shard))
                throw new Siglip2Exception($"{index}: weight_map lists '{name}' twice");
        }
        if (map.Count == 0) throw new Siglip2Exception($"{index}: weight_map lists no tensors");
        return map;
    }

    private static string JsonName(JsonProperty p, string index)
    {
        try { return p.Name; }
        catch (InvalidOperationException)
        {
            throw new Siglip2Exception($"{index}: a weight_map name is not valid Unicode (an unpaired surrogate escape); re-download the index");
        }
    }

    /// <summary>
    /// The path of a shard named by an index, refusing names that leave the checkpoint folder (absolute paths, "..",
    /// NUL). The check is on the names, not on where symbolic links point: the Hugging Face cache links every file of a
    /// snapshot to a blob outside it.
    /// </summary>
    internal static string ShardPath(string folder, string shard, string index)
    {
        string shown = SafeTensorsHeader.Printable(shard);
        if (shard.Contains('\0'))
            throw new Siglip2Exception($"{index}: shard name '{shown}' contains a NUL character; re-download the index");
        if (Path.IsPathRooted(shard) || shard.StartsWith('/') || shard.StartsWith('\\'))
            throw new Siglip2Exception($"{index}: shard name '{shown}' is an absolute path; shards must be files inside {folder}");
        string root = Path.GetFullPath(folder);
        if (!Path.EndsInDirectorySeparator(root)) root += Path.DirectorySeparatorChar;
        string full = Path.GetFullPath(Path.Combine(root, shard));
        if (!full.StartsWith(root, StringComparison.Ordinal) || full.Length == root.Length || Path.EndsInDirectorySeparator(full))
            throw new Siglip2Exception($"{index}: shard name '{shown}' leaves the checkpoint folder {folder}; shards must be files inside it");
        return full;
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
        RequireFinite(expected, where);
    }

    /// <summary>
    /// Refuses weights holding NaN or ±Inf: such a model gives NaN embeddings and probabilities for every input.
    /// Fast: the minimum and the maximum of each tensor (two vectorised reductions, no temporary tensor) are finite
    /// exactly when every element is, since libtorch's min/max propagate NaN; only the tensors that fail are counted.
    /// </summary>
    public static void RequireFinite(IEnumerable<KeyValuePair<string, Tensor>> tensors, string where)
    {
        var bad = new List<string>();
        long badTensors = 0;
        foreach (var (name, tensor) in tensors)
        {
            if (!tensor.is_floating_point() || tensor.numel() == 0) continue;
            using var scope = torch.NewDisposeScope();
            if (float.IsFinite(tensor.max().to(ScalarType.Float32).item<float>()) && float.IsFinite(tensor.min().to(ScalarType.Float32).item<float>())) continue;
            badTensors++;
            long nan = torch.isnan(tensor).sum().item<long>();
            long inf = torch.isinf(tensor).sum().item<long>();
            var what = new List<string>();
            if (nan > 0) what.Add($"{nan:N0} NaN");
            if (inf > 0) what.Add($"{inf:N0} Inf");
            bad.Add($"{name} ({string.Join(", ", what)} of {tensor.numel():N0})");
        }
        if (badTensors > 0)
            throw new Siglip2Exception($"weights in {where} hold non-finite values in {badTensors} tensor{(badTensors == 1 ? "" : "s")}: {Abbreviate(bad, 5)} (the checkpoint is corrupt or diverged in training; re-download or use an earlier checkpoint)");
    }

    private static string Abbreviate(List<string> names, int max = 8) =>
        names.Count <= max ? string.Join(", ", names) : string.Join(", ", names.Take(max)) + $", … and {names.Count - max} more";
}
