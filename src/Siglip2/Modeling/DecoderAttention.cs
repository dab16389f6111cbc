using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// Multi-head attention of the LocCa decoder: queries from the decoder stream, keys/values from
/// <c>memory</c> (itself for self-attention, the image tokens for cross-attention, whose width may differ).
/// Scale 1/√head_dim; an optional additive mask (B, 1, Lq or 1, Lk) selects causal or parallel decoding.
/// </summary>
public sealed class DecoderAttention : nn.Module
{
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear out_proj;

    public int NumHeads { get; }
    public int HeadDim { get; }

    public DecoderAttention(int width, int memoryWidth, int numHeads) : base(nameof(DecoderAttention))
    {
        if (width % numHeads != 0) throw new Siglip2Exception($"decoder width {width} is not divisible by its {numHeads} heads");
        NumHeads = numHeads;
        HeadDim = width / numHeads;
        q_proj = nn.Linear(width, width);
        k_proj = nn.Linear(memoryWidth, width);
        v_proj = nn.Linear(memoryWidth, width);
        out_proj = nn.Linear(width, width);
        RegisterComponents();
    }

    /// <param name="x">(B, Lq, width) queries.</param>
    /// <param name="memory">(B, Lk, memoryWidth) keys/values.</param>
    /// <param name="additiveMask">null or (B, 1, Lq, Lk) / broadcastable additive mask.</param>
    public Tensor Forward(Tensor x, Tensor memory, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        var q = ScaledDotProduct.SplitHeads(q_proj.forward(x), NumHeads, HeadDim);
        var k = ScaledDotProduct.SplitHeads(k_proj.forward(memory), NumHeads, HeadDim);
        var v = ScaledDotProduct.SplitHeads(v_proj.forward(memory), NumHeads, HeadDim);
        var attended = ScaledDotProduct.Compute(q, k, v, additiveMask, AttentionImplementation.Auto);
        return out_proj.forward(ScaledDotProduct.MergeHeads(attended)).MoveToOuterDisposeScope();
    }
}
