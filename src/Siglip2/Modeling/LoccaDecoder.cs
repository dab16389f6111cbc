using Siglip2.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// The LocCa decoder (SigLIP 2 §2.2; LocCa, arXiv 2403.19596; CapPa, arXiv 2306.07915): a small transformer decoder
/// that reads the image tower's un-pooled tokens (<see cref="TowerOutput.LastHiddenState"/>) through cross-attention
/// and predicts text. Training-only: it is saved beside the model (locca_decoder.safetensors), never in the exported
/// model.safetensors. It has its own token embedding over the tokenizer vocabulary plus <see cref="ExtraTokens"/>
/// decoder-only ids (mask token for parallel prediction and three task tokens), learned position embeddings, pre-LN
/// blocks (<see cref="LoccaDecoderLayer"/>), a final LayerNorm and an LM head over the tokenizer vocabulary.
/// </summary>
public sealed class LoccaDecoder : nn.Module
{
    /// <summary>Decoder-only ids after the tokenizer vocabulary: mask, caption task, referring task, grounded-caption task.</summary>
    public const int ExtraTokens = LoccaTokenIds.Count;

    private readonly Embedding token_embedding;
    private readonly Embedding position_embedding;
    private readonly ModuleList<LoccaDecoderLayer> layers;
    private readonly LayerNorm final_layer_norm;
    private readonly Linear lm_head;

    public int VocabSize { get; }
    public int MaxLength { get; }
    public int Width { get; }
    public LoccaTokenIds TokenIds => new(VocabSize);
    public long MaskId => TokenIds.Mask;
    public long CaptionTaskId => TokenIds.CaptionTask;
    public long ReferringTaskId => TokenIds.ReferringTask;
    public long GroundedCaptionTaskId => TokenIds.GroundedCaptionTask;
    public Linear LmHead => lm_head;

    public LoccaDecoder(int vocabSize, int width, int depth, int numHeads, int mlpWidth, int maxLength, int memoryWidth)
        : base(nameof(LoccaDecoder))
    {
        if (depth < 1) throw new Siglip2Exception($"the LocCa decoder needs at least one layer, got {depth}");
        VocabSize = vocabSize; MaxLength = maxLength; Width = width;
        token_embedding = nn.Embedding(vocabSize + ExtraTokens, width);
        position_embedding = nn.Embedding(maxLength, width);
        layers = nn.ModuleList(Enumerable.Range(0, depth).Select(_ => new LoccaDecoderLayer(width, memoryWidth, numHeads, mlpWidth)).ToArray());
        final_layer_norm = nn.LayerNorm(width, 1e-6);
        lm_head = nn.Linear(width, vocabSize);
        RegisterComponents();
    }

    /// <summary>
    /// Final-LayerNorm hidden states (B, L, width) of decoder inputs (B, L) over image tokens (B, S, Dv);
    /// <paramref name="memoryMask"/> (additive, (B, 1, 1, S)) hides padded image tokens (NaFlex).
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor memory, Tensor? selfMask, Tensor? memoryMask = null)
    {
        if (inputIds.shape[1] > MaxLength)
            throw new Siglip2Exception($"decoder input has {inputIds.shape[1]} positions, the decoder was built for {MaxLength}");
        using var scope = NewDisposeScope();
        long l = inputIds.shape[1];
        var x = token_embedding.forward(inputIds) + position_embedding.weight![TensorIndex.Slice(0, l)].unsqueeze(0);
        foreach (var layer in layers) x = layer.Forward(x, memory, selfMask, memoryMask);
        return final_layer_norm.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>Vocabulary logits of hidden states (…, width) → (…, vocab).</summary>
    public Tensor Logits(Tensor hidden) => lm_head.forward(hidden);

    /// <summary>
    /// Additive self-attention mask (N, 1, L, L): row i of a causal example sees keys 0..i; a parallel example sees
    /// every key; in both, keys at or after the example's input length (padding) are hidden (key 0 always stays
    /// visible so no row is empty).
    /// </summary>
    public static Tensor SelfAttentionMask(bool[] causal, int[] lengths, int length, ScalarType dtype = ScalarType.Float32)
    {
        int n = causal.Length;
        var data = new float[n * length * length];
        const float blocked = -1e9f;
        for (int e = 0; e < n; e++)
            for (int i = 0; i < length; i++)
                for (int j = 1; j < length; j++)
                    if ((causal[e] && j > i) || j >= lengths[e]) data[(e * length + i) * length + j] = blocked;
        return torch.tensor(data, [n, 1, length, length], dtype: ScalarType.Float32).to_type(dtype);
    }
}
