using TorchSharp;
using Siglip2.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>A pre-LayerNorm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)).</summary>
public sealed class SiglipEncoderLayer : nn.Module
{
    // Field names are the Hugging Face weight names (TorchSharp registers modules by field name).
    private readonly LayerNorm layer_norm1;
    private readonly SiglipAttention self_attn;
    private readonly LayerNorm layer_norm2;
    private readonly SiglipMlp mlp;

    public LayerNorm LayerNorm1 => layer_norm1;
    public SiglipAttention SelfAttn => self_attn;
    public LayerNorm LayerNorm2 => layer_norm2;
    public SiglipMlp Mlp => mlp;

    public SiglipEncoderLayer(int hiddenSize, int intermediateSize, int numHeads, double eps, HiddenActivation act)
        : base(nameof(SiglipEncoderLayer))
    {
        layer_norm1 = nn.LayerNorm(hiddenSize, eps);
        self_attn = new SiglipAttention(hiddenSize, numHeads);
        layer_norm2 = nn.LayerNorm(hiddenSize, eps);
        mlp = new SiglipMlp(hiddenSize, intermediateSize, act);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        var h = x + SelfAttn.Forward(LayerNorm1.forward(x), additiveMask);
        var y = h + Mlp.forward(LayerNorm2.forward(h));
        return y.MoveToOuterDisposeScope();
    }
}
