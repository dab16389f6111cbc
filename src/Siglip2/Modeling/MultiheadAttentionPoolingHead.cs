using Siglip2.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// The MAP head: a learned probe token attends over the image tokens with multi-head attention (PyTorch
/// nn.MultiheadAttention layout: <c>attention.in_proj_weight</c> = [Wq; Wk; Wv], <c>attention.in_proj_bias</c>,
/// <c>attention.out_proj</c>), then x + mlp(layernorm(x)); the probe's output is the pooled image feature.
/// Padded patches (NaFlex) are masked out of the attention.
/// </summary>
public sealed class MultiheadAttentionPoolingHead : nn.Module
{
    // Field names are the Hugging Face weight names (TorchSharp registers components by field name).
    private readonly Parameter probe;
    private readonly PoolingAttention attention;
    private readonly LayerNorm layernorm;
    private readonly SiglipMlp mlp;

    public Parameter Probe => probe;
    public PoolingAttention Attention => attention;
    public LayerNorm LayerNorm => layernorm;
    public SiglipMlp Mlp => mlp;
    public int NumHeads { get; }
    public AttentionImplementation Implementation { get; set; } = AttentionImplementation.Auto;

    public MultiheadAttentionPoolingHead(VisionConfig c) : base(nameof(MultiheadAttentionPoolingHead))
    {
        int d = c.HiddenSize;
        NumHeads = c.NumAttentionHeads;
        probe = new Parameter(torch.randn(1, 1, d));
        attention = new PoolingAttention(d);
        layernorm = nn.LayerNorm(d, c.LayerNormEps);
        mlp = new SiglipMlp(d, c.IntermediateSize, c.HiddenAct);
        RegisterComponents();
    }

    /// <param name="hidden">(B, S, D) image tokens after post_layernorm.</param>
    /// <param name="additiveMask">optional (B, 1, 1, S) additive padding mask.</param>
    /// <returns>(B, D) pooled features.</returns>
    public Tensor Forward(Tensor hidden, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        long b = hidden.shape[0], d = hidden.shape[2];
        int hd = (int)d / NumHeads;
        var w = attention.InProjWeight.chunk(3, 0);
        var bias = attention.InProjBias.chunk(3, 0);
        var query = probe.expand(b, 1, d);
        var q = ScaledDotProduct.SplitHeads(nn.functional.linear(query, w[0], bias[0]), NumHeads, hd);
        var k = ScaledDotProduct.SplitHeads(nn.functional.linear(hidden, w[1], bias[1]), NumHeads, hd);
        var v = ScaledDotProduct.SplitHeads(nn.functional.linear(hidden, w[2], bias[2]), NumHeads, hd);
        var attended = ScaledDotProduct.Compute(q, k, v, additiveMask, Implementation);
        var x = attention.OutProj.forward(ScaledDotProduct.MergeHeads(attended));
        var y = x + mlp.forward(layernorm.forward(x));
        return y.select(1, 0).MoveToOuterDisposeScope();
    }

    /// <summary>The nn.MultiheadAttention weights of the head (names <c>in_proj_weight</c>, <c>in_proj_bias</c>, <c>out_proj</c>).</summary>
    public sealed class PoolingAttention : nn.Module
    {
        private readonly Parameter in_proj_weight;
        private readonly Parameter in_proj_bias;
        private readonly Linear out_proj;

        public Parameter InProjWeight => in_proj_weight;
        public Parameter InProjBias => in_proj_bias;
        public Linear OutProj => out_proj;

        public PoolingAttention(int d) : base(nameof(PoolingAttention))
        {
            in_proj_weight = new Parameter(torch.empty(3 * d, d));
            nn.init.xavier_uniform_(in_proj_weight);
            in_proj_bias = new Parameter(torch.zeros(3 * d));
            out_proj = ParameterInitialization.Linear(d, d);
            RegisterComponents();
        }
    }
}
