using System.Text.Json;
using System.Text.Json.Nodes;

namespace Siglip2.Configuration;

/// <summary>
/// A whole checkpoint's config.json. Dual-tower models (<c>siglip</c>: fixed resolution; <c>siglip2</c>: NaFlex)
/// have both towers; the vision-only towers used inside vision-language models
/// (<c>siglip_vision_model</c>, <c>siglip2_vision_model</c>) and text-only ones (<c>siglip_text_model</c>,
/// <c>siglip2_text_model</c>) have one.
/// </summary>
public sealed record Siglip2Config
{
    public const string FixedModelType = "siglip";
    public const string NaflexModelType = "siglip2";

    public string ModelType { get; init; } = FixedModelType;
    public TextConfig? Text { get; init; }
    public VisionConfig? Vision { get; init; }

    public bool IsDualTower => Text != null && Vision != null;
    public bool IsNaflex => Vision?.IsNaflex ?? false;

    public static readonly string[] SupportedModelTypes =
        ["siglip", "siglip2", "siglip_vision_model", "siglip2_vision_model", "siglip_text_model", "siglip2_text_model"];

    /// <summary>Reads a config.json file, or the config.json of a checkpoint folder.</summary>
    public static Siglip2Config Load(string path)
    {
        if (Path.GetFileName(Path.TrimEndingDirectorySeparator(path)) != "config.json" && Directory.Exists(path))
            path = Path.Combine(path, "config.json");
        if (InputFile.KindOf(path) == InputFileKind.Missing)
            throw new Siglip2Exception($"config not found: {path} (a Hugging Face SigLIP/SigLIP 2 checkpoint folder has a config.json)");
        return Parse(InputFile.ReadAllText(path, "config.json", InputLimits.JsonConfigBytes), path);
    }

    public static Siglip2Config Parse(string json, string where = "config.json")
    {
        var node = StrictJson.ParseNode(json, where);
        if (node is not JsonObject obj) throw new Siglip2Exception($"{where}: expected a JSON object, got {StrictJson.Show(node)}");
        var r = new JsonConfigReader(obj, where);
        string? modelType = r.String("model_type", null);
        switch (modelType)
        {
            case FixedModelType:
            case NaflexModelType:
            {
                string visionDefault = modelType == FixedModelType ? VisionConfig.FixedModelType : VisionConfig.NaflexModelType;
                var text = TextConfig.Read(r.Child("text_config") ?? new JsonConfigReader(new JsonObject(), $"{where} [text_config]"));
                var vision = VisionConfig.Read(r.Child("vision_config") ?? new JsonConfigReader(new JsonObject(), $"{where} [vision_config]"), visionDefault);
                if (vision.ModelType != visionDefault)
                    throw new Siglip2Exception($"{where}: model_type '{modelType}' needs a vision_config of model_type '{visionDefault}', got '{vision.ModelType}'");
                return new Siglip2Config { ModelType = modelType, Text = text, Vision = vision };
            }
            case VisionConfig.FixedModelType:
            case VisionConfig.NaflexModelType:
                return new Siglip2Config { ModelType = modelType, Vision = VisionConfig.Read(r, modelType) };
            case "siglip_text_model":
            case "siglip2_text_model":
                return new Siglip2Config { ModelType = modelType, Text = TextConfig.Read(r) };
            case null:
                throw new Siglip2Exception($"{where}: no model_type field (expected one of {string.Join(", ", SupportedModelTypes)})");
            default:
                throw new Siglip2Exception($"{where}: model_type '{modelType}' is not a SigLIP/SigLIP 2 model (expected one of {string.Join(", ", SupportedModelTypes)})");
        }
    }

    public void Validate(string where = "config")
    {
        Text?.Validate(where + " [text_config]");
        Vision?.Validate(where + " [vision_config]");
        if (Text == null && Vision == null) throw new Siglip2Exception($"{where}: has neither a text nor a vision tower");
    }

    public JsonObject ToJson()
    {
        if (IsDualTower)
        {
            return new JsonObject
            {
                ["architectures"] = new JsonArray(ModelType == NaflexModelType ? "Siglip2Model" : "SiglipModel"),
                ["initializer_factor"] = 1.0,
                ["model_type"] = ModelType,
                ["text_config"] = Text!.ToJson(),
                ["torch_dtype"] = "float32",
                ["vision_config"] = Vision!.ToJson(),
            };
        }
        var o = Vision != null ? Vision.ToJson() : Text!.ToJson();
        o["architectures"] = new JsonArray(Vision != null
            ? (Vision.IsNaflex ? "Siglip2VisionModel" : "SiglipVisionModel")
            : (Text!.ModelType == "siglip2_text_model" ? "Siglip2TextModel" : "SiglipTextModel"));
        return o;
    }

    public string ToJsonString() => ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJsonString() + "\n");
}
