using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// DINO-style projection head for the SILC / TIPS self-distillation losses (training-only): Linear → GELU → Linear to
/// a bottleneck → L2-normalise → bias-free Linear to <c>outDim</c> prototype scores (a higher-dimensional space than
/// the features). The student and the EMA teacher each have one.
/// </summary>
public sealed class SslProjectionHead : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly Linear prototypes;

    public SslProjectionHead(int inDim, int hiddenDim, int bottleneckDim, int outDim) : base(nameof(SslProjectionHead))
    {
        fc1 = nn.Linear(inDim, hiddenDim);
        fc2 = nn.Linear(hiddenDim, bottleneckDim);
        prototypes = nn.Linear(bottleneckDim, outDim, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = fc2.forward(nn.functional.gelu(fc1.forward(x)));
        h = nn.functional.normalize(h, p: 2, dim: -1);
        return prototypes.forward(h).MoveToOuterDisposeScope();
    }
}
