using Siglip2.Configuration;
using System.Text.Json;
using Siglip2.Checkpoints;
using Siglip2.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks;

/// <summary>One compared tensor.</summary>
public sealed record TensorComparison(string Name, long[] Shape, double MaxAbsError, double MaxRelError, double Tolerance, bool ShapeMatches)
{
    public bool Passed => ShapeMatches && MaxAbsError <= Tolerance;
}

/// <summary>The result of <see cref="ReferenceVerification.Run"/>.</summary>
public sealed record VerificationReport(IReadOnlyList<TensorComparison> Compared, IReadOnlyList<string> Inputs, IReadOnlyList<string> Skipped)
{
    public bool Passed => Compared.Count > 0 && Compared.All(c => c.Passed);
}

/// <summary>
/// Runs a model on the inputs stored in a reference file of the fixture format (any of <c>pixel_values</c>,
/// <c>pixel_attention_mask</c>, <c>spatial_shapes</c>, <c>input_ids</c>, <c>attention_mask</c>) and compares every
/// output tensor it knows with the stored one. Tolerances: an explicit absolute tolerance, else each tensor's
/// <c>suggested_atol</c> from a manifest.json beside the file, else 1e-5.
/// </summary>
public static class ReferenceVerification
{
    public const double DefaultTolerance = 1e-5;

    public static readonly string[] InputNames = ["pixel_values", "pixel_attention_mask", "spatial_shapes", "input_ids", "attention_mask"];

    public static VerificationReport Run(Siglip2Model model, string expectedPath, double? atol = null, string? manifestPath = null)
    {
        using var expected = SafeTensorsFile.Open(expectedPath);
        if (atol is { } given && (!double.IsFinite(given) || given < 0))
            throw new Siglip2Exception($"the tolerance must be a finite number ≥ 0, got {given}");
        // an explicit tolerance replaces the manifest's, so a broken manifest does not matter then
        var tolerances = atol is null
            ? ReadManifestTolerances(manifestPath ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(expectedPath))!, "manifest.json"))
            : new Dictionary<string, double>();
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var outputs = ComputeOutputs(model, expected);
        var compared = new List<TensorComparison>();
        var inputs = new List<string>();
        var skipped = new List<string>();
        foreach (var name in expected.Tensors.Keys.OrderBy(n => n, StringComparer.Ordinal))
        {
            if (InputNames.Contains(name)) { inputs.Add(name); continue; }
            if (!outputs.TryGetValue(name, out var actual)) { skipped.Add(name); continue; }
            double tol = atol ?? (tolerances.TryGetValue(name, out var t) ? t : DefaultTolerance);
            var reference = expected.ReadTensor(name, ScalarType.Float64);
            var act = actual.to_type(ScalarType.Float64);
            if (!reference.shape.SequenceEqual(act.shape))
            {
                compared.Add(new TensorComparison(name, act.shape, double.NaN, double.NaN, tol, false));
                continue;
            }
            var diff = (act - reference).abs();
            double maxAbs = diff.numel() == 0 ? 0 : diff.max().item<double>();
            double maxRel = diff.numel() == 0 ? 0 : (diff / (reference.abs() + 1e-12)).max().item<double>();
            if (double.IsNaN(maxAbs)) maxAbs = double.PositiveInfinity;
            compared.Add(new TensorComparison(name, reference.shape, maxAbs, maxRel, tol, true));
        }
        return new VerificationReport(compared, inputs, skipped);
    }

    /// <summary>Every output this library can produce from the inputs present in the file, by fixture name.</summary>
    public static Dictionary<string, Tensor> ComputeOutputs(Siglip2Model model, SafeTensorsFile inputs)
    {
        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Tensor? imageEmbeds = null, textEmbeds = null;
        if (inputs.Contains("pixel_values") && model.VisionModel is { } vision)
        {
            var pixels = inputs.ReadTensor("pixel_values", ScalarType.Float32);
            TowerOutput output;
            if (vision.Config.IsNaflex)
            {
                if (!inputs.Contains("spatial_shapes") || !inputs.Contains("pixel_attention_mask"))
                    throw new Siglip2Exception($"{inputs.Path}: a NaFlex model needs pixel_attention_mask and spatial_shapes besides pixel_values");
                var mask = inputs.ReadTensor("pixel_attention_mask", ScalarType.Int64);
                var shapes = inputs.ReadTensor("spatial_shapes", ScalarType.Int64);
                output = vision.Forward(pixels, mask, shapes, outputHiddenStates: true);
                outputs["resized_position_embeddings"] = vision.NaflexEmbeddings!.ResizePositionEmbeddings(shapes, pixels.shape[1]);
            }
            else
            {
                output = vision.Forward(pixels, outputHiddenStates: true);
            }
            outputs["vision_last_hidden_state"] = output.LastHiddenState;
            for (int i = 0; i < output.HiddenStates!.Count; i++) outputs[$"vision_hidden_state_{i}"] = output.HiddenStates[i];
            if (output.PoolerOutput is { } pooled)
            {
                outputs["vision_pooler_output"] = pooled;
                imageEmbeds = Siglip2Model.Normalize(pooled);
                outputs["image_embeds"] = imageEmbeds;
            }
        }
        if (inputs.Contains("input_ids") && model.TextModel is { } text)
        {
            var ids = inputs.ReadTensor("input_ids", ScalarType.Int64);
            var output = text.Forward(ids, null, outputHiddenStates: true);
            outputs["text_last_hidden_state"] = output.LastHiddenState;
            outputs["text_pooler_output"] = output.PoolerOutput!;
            for (int i = 0; i < output.HiddenStates!.Count; i++) outputs[$"text_hidden_state_{i}"] = output.HiddenStates[i];
            textEmbeds = Siglip2Model.Normalize(output.PoolerOutput!);
            outputs["text_embeds"] = textEmbeds;
            if (inputs.Contains("attention_mask"))
            {
                var mask = inputs.ReadTensor("attention_mask", ScalarType.Int64);
                var masked = text.Forward(ids, mask);
                outputs["text_masked_last_hidden_state"] = masked.LastHiddenState;
                outputs["text_masked_pooler_output"] = masked.PoolerOutput!;
            }
        }
        if (imageEmbeds is not null && textEmbeds is not null && model.LogitScale is not null)
        {
            var (perText, perImage) = model.Logits(imageEmbeds, textEmbeds);
            outputs["logits_per_text"] = perText;
            outputs["logits_per_image"] = perImage;
        }
        return outputs;
    }

    /// <summary>
    /// Per-tensor <c>suggested_atol</c> values from a fixture manifest (empty when the file is absent). A manifest that
    /// is not a regular file, not strict JSON (duplicate keys) or whose tolerance is not a finite number ≥ 0 is an error:
    /// a negative or NaN tolerance would make every comparison fail or pass.
    /// </summary>
    public static Dictionary<string, double> ReadManifestTolerances(string manifestPath)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (InputFile.KindOf(manifestPath) == InputFileKind.Missing) return result;
        string json = InputFile.ReadAllText(manifestPath, "manifest.json", InputLimits.JsonConfigBytes);
        using var doc = StrictJson.ParseDocument(json, manifestPath);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new Siglip2Exception($"{manifestPath}: a manifest must be a JSON object, got {StrictJson.Show(doc.RootElement)}; pass --atol to ignore it");
        if (!doc.RootElement.TryGetProperty("tensors", out var tensors)) return result;
        if (tensors.ValueKind != JsonValueKind.Object)
            throw new Siglip2Exception($"{manifestPath}: \"tensors\" must be an object of tensor name → description, got {StrictJson.Show(tensors)}; pass --atol to ignore it");
        foreach (var t in tensors.EnumerateObject())
        {
            if (t.Value.ValueKind != JsonValueKind.Object || !t.Value.TryGetProperty("suggested_atol", out var atol)) continue;
            if (atol.ValueKind != JsonValueKind.Number || !atol.TryGetDouble(out double value) || !double.IsFinite(value) || value < 0)
                throw new Siglip2Exception($"{manifestPath}: tensors.{t.Name}.suggested_atol must be a finite number ≥ 0, got {StrictJson.Show(atol)}; fix the manifest or pass --atol");
            result[t.Name] = value;
        }
        return result;
    }
}
