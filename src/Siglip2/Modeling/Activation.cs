using TorchSharp;
using Siglip2.Configuration;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

internal static class Activation
{
    public static Tensor Apply(Tensor x, HiddenActivation kind) => kind switch
    {
        HiddenActivation.GeluTanh => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
        HiddenActivation.Gelu => nn.functional.gelu(x),
        HiddenActivation.QuickGelu => x * torch.sigmoid(x * 1.702),
        HiddenActivation.Relu => nn.functional.relu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
