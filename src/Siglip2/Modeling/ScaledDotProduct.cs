using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>softmax(q·kᵀ/√d + mask)·v over (B, H, S, D) tensors, fused or explicit.</summary>
public static class ScaledDotProduct
{
    public static Tensor Compute(Tensor q, Tensor k, Tensor v, Tensor? additiveMask, AttentionImplementation implementation)
    {
        bool fused = implementation switch
        {
            AttentionImplementation.Sdpa => true,
            AttentionImplementation.Eager => false,
            _ => q.dtype == ScalarType.Float32 || q.dtype == ScalarType.Float64,
        };
        if (fused)
            return nn.functional.scaled_dot_product_attention(q, k, v, additiveMask, 0.0, false);
        using var scope = NewDisposeScope();
        double scale = 1.0 / Math.Sqrt(q.shape[^1]);
        var scores = torch.matmul(q, k.transpose(-1, -2)).mul_(scale);
        if (additiveMask is not null) scores = scores.add_(additiveMask);
        var weights = scores.dtype == ScalarType.Float32 || scores.dtype == ScalarType.Float64
            ? torch.softmax(scores, -1)
            : torch.softmax(scores, -1, ScalarType.Float32).to_type(q.dtype);
        return torch.matmul(weights, v).MoveToOuterDisposeScope();
    }
}
