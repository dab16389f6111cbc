using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// Seeded initial weights for the training-only modules (LocCa decoder, SSL heads, mask token), drawn from one
/// <see cref="torch.Generator"/> in registration order: LayerNorm weights 1; other vectors (biases) 0; embedding
/// tables and the mask token ~ N(0, 0.02²); other matrices ~ N(0, 1/fan_in) (fan_in = the last dimension).
/// </summary>
public static class ExtraModuleInitializer
{
    public static void Initialize(IEnumerable<(string Name, TorchSharp.Modules.Parameter Parameter)> parameters, long seed)
    {
        using var generator = new torch.Generator(unchecked((ulong)seed));
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in parameters)
        {
            bool norm = name.Contains("norm", StringComparison.Ordinal);
            if (p.dim() == 1 && norm && name.EndsWith("weight", StringComparison.Ordinal)) p.fill_(1.0);
            else if (p.dim() == 1 && !name.Contains("mask_token", StringComparison.Ordinal)) p.zero_();
            else
            {
                double std = name.Contains("embedding", StringComparison.Ordinal) || name.Contains("mask_token", StringComparison.Ordinal)
                    ? 0.02 : 1.0 / Math.Sqrt(p.shape[^1]);
                using var r = torch.randn(p.shape, dtype: p.dtype, generator: generator);
                p.copy_(r * std);
            }
        }
    }
}
