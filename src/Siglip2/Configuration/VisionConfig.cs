using System.Globalization;
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
        Limit(NumHiddenLayers, "num_hidden_layers", ModelLimits.NumHiddenLayers, where);
        Limit(HiddenSize, "hidden_size", ModelLimits.HiddenSize, where);
        Limit(IntermediateSize, "intermediate_size", ModelLimits.IntermediateSize, where);
        Limit(NumChannels, "num_channels", ModelLimits.NumChannels, where);
        Limit(PatchSize, "patch_size", ModelLimits.PatchSize, where);
        // divisible and both positive, so also num_attention_heads <= hidden_size
        if (HiddenSize % NumAttentionHeads != 0)
            throw new Siglip2Exception($"{where}: hidden_size {HiddenSize} is not divisible by num_attention_heads {NumAttentionHeads}");
        if (!(LayerNormEps > 0) || !double.IsFinite(LayerNormEps)) throw new Siglip2Exception($"{where}: layer_norm_eps must be a finite number > 0, got {LayerNormEps}");
        if (!(AttentionDropout >= 0 && AttentionDropout < 1)) throw new Siglip2Exception($"{where}: attention_dropout must be in [0, 1), got {AttentionDropout}");
        if (IsNaflex)
        {
            Positive(NumPatches, "num_patches", where);
            Limit(NumPatches, "num_patches", ModelLimits.NumPositions, where);
            int side = (int)Math.Round(Math.Sqrt(NumPatches));
            if (side * side != NumPatches)
                throw new Siglip2Exception($"{where}: num_patches {NumPatches} is not a perfect square (the NaFlex position grid is square)");
        }
        else
        {
            Positive(ImageSize, "image_size", where);
            Limit(ImageSize, "image_size", ModelLimits.ImageSize, where);
            if (ImageSize % PatchSize != 0)
                throw new Siglip2Exception($"{where}: image_size {ImageSize} is not divisible by patch_size {PatchSize}");
            long side = ImageSize / PatchSize;
            if (side * side > ModelLimits.NumPositions)
                throw new ConfigLimitException(where, isText: false, "image_size", ImageSize, (long)Math.Sqrt(ModelLimits.NumPositions) * PatchSize,
                    $" for patch_size {PatchSize} (it gives {(side * side).ToString("N0", CultureInfo.InvariantCulture)} positions)");
        }
        if (ParameterCount > ModelLimits.TowerParameters)
            throw new Siglip2Exception($"{where}: these sizes give the vision tower {ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters, over the limit of {ModelLimits.TowerParameters.ToString("N0", CultureInfo.InvariantCulture)}; is config.json from this checkpoint?");
    }

    private static void Limit(int value, string field, int limit, string where)
    {
        if (value > limit) throw new ConfigLimitException(where, isText: false, field, value, limit);
    }

    /// <summary>
    /// The number of parameters of the vision tower this config builds (patch and position embeddings, encoder,
    /// post-LayerNorm, attention-pooling head when used), computed from the sizes alone; exact, as the real-shapes
    /// tests check.
    /// </summary>
    public long ParameterCount
    {
        get
        {
            long h = HiddenSize, i = IntermediateSize;
            long mlp = (i * h + i) + (h * i + h);
            long layer = 4 * (h * h + h) + 2 * (2 * h) + mlp;
            long embeddings = h * PatchDim + h + (long)NumPositions * h;
            long head = VisionUseHead ? h + (3 * h * h + 3 * h) + (h * h + h) + 2 * h + mlp : 0;
            return embeddings + NumHiddenLayers * layer + 2 * h + head;
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
