using System.Globalization;
using System.Text.RegularExpressions;
using Siglip2.Configuration;

namespace Siglip2.Checkpoints;

/// <summary>
/// Compares config.json with the weights' headers before any model is built, so that a wrong size (a
/// <c>num_hidden_layers</c> of 100,000, a <c>vocab_size</c> of 10⁹) fails in milliseconds with the field and the value
/// the weights imply, instead of building a model for minutes or attempting a terabyte allocation. The exact
/// name-and-shape comparison still follows construction (<see cref="CheckpointLoader.Fill"/>).
/// </summary>
public static partial class ConfigWeightsCheck
{
    /// <summary>A size the weights imply, with the tensor that shows it.</summary>
    public readonly record struct Implied(long Value, string Evidence);

    public const string TextPrefix = "text_model.";
    public const string VisionPrefix = "vision_model.";

    [GeneratedRegex(@"^(?:text_model|vision_model)\.encoder\.layers\.(\d{1,9})\.", RegexOptions.CultureInvariant)]
    private static partial Regex LayerName();

    /// <summary>
    /// The config fields of one tower that its tensors in the headers determine: num_hidden_layers, hidden_size,
    /// intermediate_size, and per tower vocab_size, max_position_embeddings, projection_size (text) or num_channels,
    /// patch_size, image_size / num_patches (vision). Fields the weights do not show are absent.
    /// </summary>
    public static Dictionary<string, Implied> ImpliedSizes(IReadOnlyDictionary<string, SafeTensorsFile> files, bool text, int? numChannels = null)
    {
        string p = text ? TextPrefix : VisionPrefix;
        var result = new Dictionary<string, Implied>(StringComparer.Ordinal);
        long[]? Shape(string name) => files.TryGetValue(p + name, out var f) ? f.Info(p + name).Shape : null;
        string Show(string name, long[] shape) => $"{p}{name} is [{string.Join(", ", shape)}]";
        void Dim(string field, string name, int rank, int dim)
        {
            if (result.ContainsKey(field) || Shape(name) is not { } s || s.Length != rank) return;
            result[field] = new Implied(s[dim], Show(name, s));
        }

        int layers = 0;
        foreach (var name in files.Keys)
        {
            if (!name.StartsWith(p, StringComparison.Ordinal)) continue;
            var m = LayerName().Match(name);
            if (m.Success && int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int i))
                layers = Math.Max(layers, i + 1);
        }
        if (layers > 0)
            result["num_hidden_layers"] = new Implied(layers, $"the weights hold {(text ? "text" : "vision")} encoder layers {p}encoder.layers.0–{layers - 1}");

        if (text)
        {
            Dim("hidden_size", "embeddings.token_embedding.weight", 2, 1);
            Dim("hidden_size", "final_layer_norm.weight", 1, 0);
            Dim("hidden_size", "encoder.layers.0.layer_norm1.weight", 1, 0);
            Dim("vocab_size", "embeddings.token_embedding.weight", 2, 0);
            Dim("max_position_embeddings", "embeddings.position_embedding.weight", 2, 0);
            Dim("projection_size", "head.weight", 2, 0);
        }
        else
        {
            Dim("hidden_size", "embeddings.position_embedding.weight", 2, 1);
            Dim("hidden_size", "post_layernorm.weight", 1, 0);
            Dim("hidden_size", "encoder.layers.0.layer_norm1.weight", 1, 0);
            var patch = Shape("embeddings.patch_embedding.weight");
            if (patch is { Length: 4 } && patch[2] == patch[3])
            {
                // fixed resolution: Conv2d [hidden, channels, patch, patch], positions (image / patch)²
                result["num_channels"] = new Implied(patch[1], Show("embeddings.patch_embedding.weight", patch));
                result["patch_size"] = new Implied(patch[2], Show("embeddings.patch_embedding.weight", patch));
                if (Shape("embeddings.position_embedding.weight") is { Length: 2 } pos)
                {
                    long side = (long)Math.Round(Math.Sqrt(pos[0]));
                    if (side * side == pos[0])
                        result["image_size"] = new Implied(side * patch[2], Show("embeddings.position_embedding.weight", pos) + $" ({side}×{side} patches of {patch[2]} pixels)");
                }
            }
            else if (patch is { Length: 2 })
            {
                // NaFlex: Linear over flattened patches [hidden, channels·patch²], a num_patches position table
                Dim("num_patches", "embeddings.position_embedding.weight", 2, 0);
                if (numChannels is > 0 and int c && patch[1] % c == 0)
                {
                    long side = (long)Math.Round(Math.Sqrt(patch[1] / c));
                    if (side * side * c == patch[1])
                        result["patch_size"] = new Implied(side, Show("embeddings.patch_embedding.weight", patch) + $" ({c} channels × {side}×{side})");
                }
            }
        }
        Dim("intermediate_size", "encoder.layers.0.mlp.fc1.weight", 2, 0);
        return result;
    }

    /// <summary>
    /// Throws a one-line error naming config.json, the field and the value the weights imply when they disagree, or
    /// when the config's towers are far larger than everything in the files (tensors missing altogether).
    /// </summary>
    public static void Check(Siglip2Config config, IReadOnlyDictionary<string, SafeTensorsFile> files, string configPath)
    {
        if (config.Text is { } t)
        {
            string where = config.IsDualTower ? $"{configPath} [text_config]" : configPath;
            var implied = ImpliedSizes(files, text: true);
            Compare(where, implied, "num_hidden_layers", t.NumHiddenLayers);
            Compare(where, implied, "hidden_size", t.HiddenSize);
            Compare(where, implied, "vocab_size", t.VocabSize);
            Compare(where, implied, "max_position_embeddings", t.MaxPositionEmbeddings);
            Compare(where, implied, "intermediate_size", t.IntermediateSize);
            Compare(where, implied, "projection_size", t.ProjectionSize);
        }
        if (config.Vision is { } v)
        {
            string where = config.IsDualTower ? $"{configPath} [vision_config]" : configPath;
            var implied = ImpliedSizes(files, text: false, v.NumChannels);
            Compare(where, implied, "num_hidden_layers", v.NumHiddenLayers);
            Compare(where, implied, "hidden_size", v.HiddenSize);
            Compare(where, implied, "intermediate_size", v.IntermediateSize);
            Compare(where, implied, "num_channels", v.NumChannels);
            Compare(where, implied, "patch_size", v.PatchSize);
            if (v.IsNaflex) Compare(where, implied, "num_patches", v.NumPatches);
            else Compare(where, implied, "image_size", v.ImageSize);
        }

        // Sizes the weights do not show (a tower's tensors missing altogether): compare the parameter count the config
        // implies with what the files hold. A small shortfall is left to Fill, which lists every missing tensor.
        long needed = (config.Text?.ParameterCount ?? 0) + (config.Vision?.ParameterCount ?? 0) + (config.IsDualTower ? 2 : 0);
        long held = 0;
        foreach (var (name, f) in files) held += f.Info(name).ElementCount;
        if (needed > held + Math.Max(held / 4, MissingParameterSlack))
        {
            var absent = new List<string>();
            if (config.Text != null && !files.Keys.Any(k => k.StartsWith(TextPrefix, StringComparison.Ordinal))) absent.Add($"no {TextPrefix}* tensors");
            if (config.Vision != null && !files.Keys.Any(k => k.StartsWith(VisionPrefix, StringComparison.Ordinal))) absent.Add($"no {VisionPrefix}* tensors");
            throw new Siglip2Exception($"{configPath}: its sizes give the model {N(needed)} parameters, but the weights hold only {N(held)}"
                + (absent.Count > 0 ? $" ({string.Join(", ", absent)})" : "") + "; is config.json from this checkpoint, and are all weight files present?");
        }
    }

    /// <summary>Parameters a config may need beyond the files before the model is built anyway (and Fill names what is missing).</summary>
    public const long MissingParameterSlack = 1L << 26;

    /// <summary>A config value over its limit, explained with the value the folder's weights imply (or null when they do not show it).</summary>
    public static Siglip2Exception? Explain(ConfigLimitException limit, string folder)
    {
        Dictionary<string, SafeTensorsFile> files;
        try { files = CheckpointLoader.OpenWeights(folder); }
        catch (Siglip2Exception) { return null; }
        try
        {
            if (!ImpliedSizes(files, limit.IsText).TryGetValue(limit.Field, out var implied)) return null;
            return new Siglip2Exception($"{limit.Where}: {limit.Field} {N(limit.Value)} is over the limit of {N(limit.Limit)}{limit.Note}, "
                + $"and the weights imply {implied.Value} ({implied.Evidence}); set {limit.Field} to {implied.Value}, or use the config.json that came with these weights", limit);
        }
        finally
        {
            foreach (var f in files.Values.Distinct()) f.Dispose();
        }
    }

    private static void Compare(string where, Dictionary<string, Implied> implied, string field, long configured)
    {
        if (implied.TryGetValue(field, out var w) && w.Value != configured)
            throw new Siglip2Exception($"{where}: {field} is {N(configured)}, but the weights imply {w.Value} ({w.Evidence}); "
                + $"set {field} to {w.Value}, or use the config.json that came with these weights");
    }

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
