using Siglip2.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// One pre-LayerNorm LocCa decoder block: x + self_attn(ln1(x), mask), then x + cross_attn(ln2(x), image tokens),
/// then x + mlp(ln3(x)) (tanh-GELU MLP as in the towers).
/// </summary>
public sealed class LoccaDecoderLayer : nn.Module
{
    private readonly LayerNorm layer_norm1;
    private readonly DecoderAttention self_attn;
    private readonly LayerNorm layer_norm2;
    private readonly DecoderAttention cross_attn;
    private readonly LayerNorm layer_norm3;
    private readonly SiglipMlp mlp;

    public LoccaDecoderLayer(int width, int memoryWidth, int numHeads, int mlpWidth, double eps = 1e-6) : base(nameof(LoccaDecoderLayer))
    {
        layer_norm1 = nn.LayerNorm(width, eps);
        self_attn = new DecoderAttention(width, width, numHeads);
        layer_norm2 = nn.LayerNorm(width, eps);
        cross_attn = new DecoderAttention(width, memoryWidth, numHeads);
        layer_norm3 = nn.LayerNorm(width, eps);
        mlp = new SiglipMlp(width, mlpWidth, HiddenActivation.GeluTanh);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor memory, Tensor? selfMask, Tensor? memoryMask = null)
    {
        using var scope = NewDisposeScope();
        var h1 = layer_norm1.forward(x);
        var a = x + self_attn.Forward(h1, h1, selfMask);
        var b = a + cross_attn.Forward(layer_norm2.forward(a), memory, memoryMask);
        var y = b + mlp.forward(layer_norm3.forward(b));
        return y.MoveToOuterDisposeScope();
    }
}
