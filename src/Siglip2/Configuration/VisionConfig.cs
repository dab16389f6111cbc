using System.Text.Json.Nodes;

namespace Siglip2.Configuration;

/// <summary>
/// The image tower (Hugging Face <c>vision_config</c>, or a whole config.json of model_type
/// <c>siglip_vision_model</c> / <c>siglip2_vision_model</c>). <see cref="IsNaflex"/> selects the NaFlex layout
/// (linear patch embedding over flattened patches, position grid resized per image) over the fixed-resolution one
/// (conv patch embedding over a square image).
/// </summary>
public sealed record VisionConfig
{
    public const string FixedModelType = "siglip_vision_model";
    public const string NaflexModelType = "siglip2_vision_model";

    public string ModelType { get; init; } = FixedModelType;
    public int HiddenSize { get; init; } = 768;
    public int IntermediateSize { get; init; } = 3072;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int NumChannels { get; init; } = 3;
    /// <summary>Square input side for the fixed-resolution layout (unused by NaFlex).</summary>
    public int ImageSize { get; init; } = 224;
    public int PatchSize { get; init; } = 16;
    /// <summary>Size of the learned position-embedding table for NaFlex (a √n × √n grid).</summary>
    public int NumPatches { get; init; } = 256;
    public double LayerNormEps { get; init; } = 1e-6;
    public HiddenActivation HiddenAct { get; init; } = HiddenActivation.GeluTanh;
    public double AttentionDropout { get; init; }
    /// <summary>False for the vision towers of vision-language models that skip the attention-pooling head.</summary>
    public bool VisionUseHead { get; init; } = true;

    public bool IsNaflex => ModelType == NaflexModelType;
    public int HeadDim => HiddenSize / NumAttentionHeads;
    /// <summary>Number of position embeddings: (image/patch)² for fixed resolution, num_patches for NaFlex.</summary>
    public int NumPositions => IsNaflex ? NumPatches : (ImageSize / PatchSize) * (ImageSize / PatchSize);
    public int PositionGridSide => (int)Math.Round(Math.Sqrt(NumPositions));
    public int PatchDim => NumChannels * PatchSize * PatchSize;

    internal static VisionConfig Read(JsonConfigReader r, string defaultModelType)
    {
        string modelType = r.String("model_type", defaultModelType)!;
        if (modelType != FixedModelType && modelType != NaflexModelType)
            throw new Siglip2Exception($"{r.Where}: vision model_type '{modelType}' is not supported (expected {FixedModelType} or {NaflexModelType})");
        var c = new VisionConfig
        {
            ModelType = modelType,
            HiddenSize = r.Int("hidden_size", 768),
            IntermediateSize = r.Int("intermediate_size", 3072),
            NumHiddenLayers = r.Int("num_hidden_layers", 12),
            NumAttentionHeads = r.Int("num_attention_heads", 12),
            NumChannels = r.Int("num_channels", 3),
            ImageSize = r.Int("image_size", 224),
            PatchSize = r.Int("patch_size", 16),
            NumPatches = r.Int("num_patches", 256),
            LayerNormEps = r.Double("layer_norm_eps", 1e-6),
            HiddenAct = HiddenActivationNames.Parse(r.String("hidden_act", "gelu_pytorch_tanh")!, r.Where),
            AttentionDropout = r.Double("attention_dropout", 0.0),
            VisionUseHead = r.Bool("vision_use_head", true),
        };
        c.Validate(r.Where);
        return c;
    }

    public void Validate(string where)
    {
        Positive(HiddenSize, "hidden_size", where);
        Positive(IntermediateSize, "intermediate_size", where);
        Positive(NumHiddenLayers, "num_hidden_layers", where);
        Positive(NumAttentionHeads, "num_attention_heads", where);
        Positive(NumChannels, "num_channels", where);
        Positive(PatchSize, "patch_size", where);
        if (HiddenSize % NumAttentionHeads != 0)
            throw new Siglip2Exception($"{where}: hidden_size {HiddenSize} is not divisible by num_attention_heads {NumAttentionHeads}");
        if (LayerNormEps <= 0) throw new Siglip2Exception($"{where}: layer_norm_eps must be > 0, got {LayerNormEps}");
        if (IsNaflex)
        {
            Positive(NumPatches, "num_patches", where);
            int side = (int)Math.Round(Math.Sqrt(NumPatches));
            if (side * side != NumPatches)
                throw new Siglip2Exception($"{where}: num_patches {NumPatches} is not a perfect square (the NaFlex position grid is square)");
        }
        else
        {
            Positive(ImageSize, "image_size", where);
            if (ImageSize % PatchSize != 0)
                throw new Siglip2Exception($"{where}: image_size {ImageSize} is not divisible by patch_size {PatchSize}");
        }
    }

    private static void Positive(int value, string name, string where)
    {
        if (value <= 0) throw new Siglip2Exception($"{where}: {name} must be a positive integer, got {value}");
    }

    public JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["attention_dropout"] = AttentionDropout,
            ["hidden_act"] = HiddenActivationNames.ToName(HiddenAct),
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["layer_norm_eps"] = LayerNormEps,
            ["model_type"] = ModelType,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_channels"] = NumChannels,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["patch_size"] = PatchSize,
        };
        if (IsNaflex) o["num_patches"] = NumPatches; else o["image_size"] = ImageSize;
        if (!VisionUseHead) o["vision_use_head"] = false;
        return o;
    }
}
