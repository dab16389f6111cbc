using TorchSharp;
using Siglip2.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// The text tower (weights under <c>text_model.</c>): token + position embeddings → encoder → final_layer_norm →
/// the LAST position (index L−1, which holds EOS or PAD for short texts) → <c>head</c> Linear.
/// SigLIP 2 passes no attention mask: the tower attends over all positions, padding included.
/// </summary>
public sealed class SiglipTextTransformer : nn.Module
{
    // Field names are the Hugging Face weight names (TorchSharp registers modules by field name).
    private readonly TextEmbeddings embeddings;
    private readonly SiglipEncoder encoder;
    private readonly LayerNorm final_layer_norm;
    private readonly Linear head;

    public TextConfig Config { get; }
    public Embedding TokenEmbedding => embeddings.TokenEmbedding;
    public Embedding PositionEmbedding => embeddings.PositionEmbedding;
    public SiglipEncoder Encoder => encoder;
    public LayerNorm FinalLayerNorm => final_layer_norm;
    public Linear Head => head;

    public SiglipTextTransformer(TextConfig c) : base(nameof(SiglipTextTransformer))
    {
        Config = c;
        embeddings = new TextEmbeddings(c);
        encoder = new SiglipEncoder(c.HiddenSize, c.IntermediateSize, c.NumAttentionHeads, c.NumHiddenLayers, c.LayerNormEps, c.HiddenAct);
        final_layer_norm = nn.LayerNorm(c.HiddenSize, c.LayerNormEps);
        head = ParameterInitialization.Linear(c.HiddenSize, c.ProjectionSize);
        RegisterComponents();
    }

    /// <param name="inputIds">(B, L) int64 token ids, L ≤ max_position_embeddings.</param>
    /// <param name="attentionMask">optional (B, L) 1/0 mask; the official processors pass none.</param>
    public TowerOutput Forward(Tensor inputIds, Tensor? attentionMask = null, bool outputHiddenStates = false)
    {
        if (inputIds.dim() != 2)
            throw new Siglip2Exception($"input_ids has shape [{string.Join(", ", inputIds.shape)}], expected [B, L]");
        long length = inputIds.shape[1];
        if (length > Config.MaxPositionEmbeddings)
            throw new Siglip2Exception($"input_ids has {length} positions, this text tower has max_position_embeddings {Config.MaxPositionEmbeddings}");
        Tensor embeddings;
        using (var scope = NewDisposeScope())
        {
            var ids = inputIds.to_type(ScalarType.Int64);
            if (ids.numel() > 0)
            {
                long max = ids.max().item<long>(), min = ids.min().item<long>();
                if (min < 0 || max >= Config.VocabSize)
                    throw new Siglip2Exception($"token id {(min < 0 ? min : max)} is outside this text tower's vocabulary of {Config.VocabSize} (does the tokenizer belong to this checkpoint?)");
            }
            var tok = TokenEmbedding.forward(ids);
            var pos = PositionEmbedding.weight!.narrow(0, 0, length).unsqueeze(0);
            embeddings = (tok + pos).MoveToOuterDisposeScope();
        }
        using var mask = attentionMask is null ? null : AttentionMask.ToAdditive(attentionMask, embeddings.dtype);
        var hidden = outputHiddenStates ? new List<Tensor>() : null;
        var encoded = Encoder.Forward(embeddings, mask, hidden);
        if (hidden is null) embeddings.Dispose();
        var last = FinalLayerNorm.forward(encoded);
        encoded.Dispose();
        Tensor pooled;
        using (var lastToken = last.select(1, length - 1))
            pooled = Head.forward(lastToken);
        return new TowerOutput { LastHiddenState = last, PoolerOutput = pooled, HiddenStates = hidden };
    }

    public void SetAttentionImplementation(AttentionImplementation impl) => Encoder.SetAttentionImplementation(impl);

    /// <summary>Token and position embedding tables (names <c>token_embedding</c>, <c>position_embedding</c>).</summary>
    public sealed class TextEmbeddings : nn.Module
    {
        private readonly Embedding token_embedding;
        private readonly Embedding position_embedding;

        public Embedding TokenEmbedding => token_embedding;
        public Embedding PositionEmbedding => position_embedding;

        public TextEmbeddings(TextConfig c) : base(nameof(TextEmbeddings))
        {
            token_embedding = ParameterInitialization.Embedding(c.VocabSize, c.HiddenSize);
            position_embedding = ParameterInitialization.Embedding(c.MaxPositionEmbeddings, c.HiddenSize);
            RegisterComponents();
        }
    }
}
