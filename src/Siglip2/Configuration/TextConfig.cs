using System.Globalization;
using System.Text.Json.Nodes;

namespace Siglip2.Configuration;

/// <summary>The text tower (Hugging Face <c>text_config</c>).</summary>
public sealed record TextConfig
{
    public string ModelType { get; init; } = "siglip_text_model";
    public int VocabSize { get; init; } = 256000;
    public int HiddenSize { get; init; } = 768;
    public int IntermediateSize { get; init; } = 3072;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    /// <summary>Sequence length the tower was trained with (64 for SigLIP 2); inputs are padded to it.</summary>
    public int MaxPositionEmbeddings { get; init; } = 64;
    public double LayerNormEps { get; init; } = 1e-6;
    public HiddenActivation HiddenAct { get; init; } = HiddenActivation.GeluTanh;
    public double AttentionDropout { get; init; }
    /// <summary>Output size of the head Linear (differs from hidden_size in giant-opt: 1152 → 1536).</summary>
    public int ProjectionSize { get; init; } = 768;
    public int PadTokenId { get; init; } = 1;
    public int BosTokenId { get; init; } = 49406;
    public int EosTokenId { get; init; } = 49407;

    public int HeadDim => HiddenSize / NumAttentionHeads;

    internal static TextConfig Read(JsonConfigReader r)
    {
        string modelType = r.String("model_type", "siglip_text_model")!;
        if (modelType != "siglip_text_model" && modelType != "siglip2_text_model")
            throw new Siglip2Exception($"{r.Where}: text model_type '{modelType}' is not supported (expected siglip_text_model or siglip2_text_model)");
        int hidden = r.Int("hidden_size", 768);
        var c = new TextConfig
        {
            ModelType = modelType,
            VocabSize = r.Int("vocab_size", 32000),
            HiddenSize = hidden,
            IntermediateSize = r.Int("intermediate_size", 3072),
            NumHiddenLayers = r.Int("num_hidden_layers", 12),
            NumAttentionHeads = r.Int("num_attention_heads", 12),
            MaxPositionEmbeddings = r.Int("max_position_embeddings", 64),
            LayerNormEps = r.Double("layer_norm_eps", 1e-6),
            HiddenAct = HiddenActivationNames.Parse(r.String("hidden_act", "gelu_pytorch_tanh")!, r.Where),
            AttentionDropout = r.Double("attention_dropout", 0.0),
            ProjectionSize = r.Int("projection_size", hidden),
            PadTokenId = r.Int("pad_token_id", 1),
            BosTokenId = r.Int("bos_token_id", 49406),
            EosTokenId = r.Int("eos_token_id", 49407),
        };
        c.Validate(r.Where);
        return c;
    }

    public void Validate(string where)
    {
        foreach (var (v, n) in new[] { (VocabSize, "vocab_size"), (HiddenSize, "hidden_size"), (IntermediateSize, "intermediate_size"),
                     (NumHiddenLayers, "num_hidden_layers"), (NumAttentionHeads, "num_attention_heads"),
                     (MaxPositionEmbeddings, "max_position_embeddings"), (ProjectionSize, "projection_size") })
            if (v <= 0) throw new Siglip2Exception($"{where}: {n} must be a positive integer, got {v}");
        Limit(NumHiddenLayers, "num_hidden_layers", ModelLimits.NumHiddenLayers, where);
        Limit(HiddenSize, "hidden_size", ModelLimits.HiddenSize, where);
        Limit(IntermediateSize, "intermediate_size", ModelLimits.IntermediateSize, where);
        Limit(VocabSize, "vocab_size", ModelLimits.VocabSize, where);
        Limit(MaxPositionEmbeddings, "max_position_embeddings", ModelLimits.MaxPositionEmbeddings, where);
        Limit(ProjectionSize, "projection_size", ModelLimits.ProjectionSize, where);
        // divisible and both positive, so also num_attention_heads <= hidden_size
        if (HiddenSize % NumAttentionHeads != 0)
            throw new Siglip2Exception($"{where}: hidden_size {HiddenSize} is not divisible by num_attention_heads {NumAttentionHeads}");
        if (!(LayerNormEps > 0) || !double.IsFinite(LayerNormEps)) throw new Siglip2Exception($"{where}: layer_norm_eps must be a finite number > 0, got {LayerNormEps}");
        if (!(AttentionDropout >= 0 && AttentionDropout < 1)) throw new Siglip2Exception($"{where}: attention_dropout must be in [0, 1), got {AttentionDropout}");
        if (ParameterCount > ModelLimits.TowerParameters)
            throw new Siglip2Exception($"{where}: these sizes give the text tower {ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters, over the limit of {ModelLimits.TowerParameters.ToString("N0", CultureInfo.InvariantCulture)}; is config.json from this checkpoint?");
    }

    private static void Limit(int value, string field, int limit, string where)
    {
        if (value > limit) throw new ConfigLimitException(where, isText: true, field, value, limit);
    }

    /// <summary>
    /// The number of parameters of the text tower this config builds (embeddings, encoder, final LayerNorm, head),
    /// computed from the sizes alone; exact, as the real-shapes tests check.
    /// </summary>
    public long ParameterCount
    {
        get
        {
            long h = HiddenSize, i = IntermediateSize;
            long layer = 4 * (h * h + h) + 2 * (2 * h) + (i * h + i) + (h * i + h);
            return (long)VocabSize * h + (long)MaxPositionEmbeddings * h + NumHiddenLayers * layer + 2 * h + (long)ProjectionSize * h + ProjectionSize;
        }
    }

    public JsonObject ToJson() => new()
    {
        ["attention_dropout"] = AttentionDropout,
        ["hidden_act"] = HiddenActivationNames.ToName(HiddenAct),
        ["hidden_size"] = HiddenSize,
        ["intermediate_size"] = IntermediateSize,
        ["layer_norm_eps"] = LayerNormEps,
        ["max_position_embeddings"] = MaxPositionEmbeddings,
        ["model_type"] = ModelType,
        ["num_attention_heads"] = NumAttentionHeads,
        ["num_hidden_layers"] = NumHiddenLayers,
        ["projection_size"] = ProjectionSize,
        ["vocab_size"] = VocabSize,
        ["pad_token_id"] = PadTokenId,
        ["bos_token_id"] = BosTokenId,
        ["eos_token_id"] = EosTokenId,
    };
}
