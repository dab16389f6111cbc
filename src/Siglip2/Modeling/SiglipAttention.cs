using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// Multi-head self-attention with separate q/k/v/out projections (Hugging Face names <c>q_proj</c>, <c>k_proj</c>,
/// <c>v_proj</c>, <c>out_proj</c>), scale 1/√head_dim, no causal mask.
/// </summary>
public sealed class SiglipAttention : nn.Module
{
    // Field names are the Hugging Face weight names (TorchSharp registers modules by field name).
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear q_proj;
    private readonly Linear out_proj;

    public Linear QProj => q_proj;
    public Linear KProj => k_proj;
    public Linear VProj => v_proj;
    public Linear OutProj => out_proj;
    public int NumHeads { get; }
    public int HeadDim { get; }
    public AttentionImplementation Implementation { get; set; } = AttentionImplementation.Auto;

    public SiglipAttention(int hiddenSize, int numHeads) : base(nameof(SiglipAttention))
    {
        NumHeads = numHeads;
        HeadDim = hiddenSize / numHeads;
        k_proj = ParameterInitialization.Linear(hiddenSize, hiddenSize);
        v_proj = ParameterInitialization.Linear(hiddenSize, hiddenSize);
        q_proj = ParameterInitialization.Linear(hiddenSize, hiddenSize);
        out_proj = ParameterInitialization.Linear(hiddenSize, hiddenSize);
        RegisterComponents();
    }

    /// <param name="x">(B, S, E)</param>
    /// <param name="additiveMask">optional (B, 1, 1 or S, S) additive mask in x's dtype.</param>
    public Tensor Forward(Tensor x, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        var q = ScaledDotProduct.SplitHeads(QProj.forward(x), NumHeads, HeadDim);
        var k = ScaledDotProduct.SplitHeads(KProj.forward(x), NumHeads, HeadDim);
        var v = ScaledDotProduct.SplitHeads(VProj.forward(x), NumHeads, HeadDim);
        var attended = ScaledDotProduct.Compute(q, k, v, additiveMask, Implementation);
        return OutProj.forward(ScaledDotProduct.MergeHeads(attended)).MoveToOuterDisposeScope();
    }
}
