using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>softmax(q·kᵀ/√d + mask)·v over (B, H, S, D) tensors, fused or explicit.</summary>
public static class ScaledDotProduct
{
    /// <summary>
    /// Whether <paramref name="implementation"/> runs the fused kernel for <paramref name="dtype"/>. Auto picks what
    /// `siglip2 bench` measured faster on CPU with libtorch 2.10 (docs/performance.md): the fused kernel for fp32 (about
    /// 1.8× the explicit path) and for bf16 (about 3×: the explicit path's fp32 softmax and casts dominate).
    /// </summary>
    public static bool UsesFused(AttentionImplementation implementation, ScalarType dtype) => implementation switch
    {
        AttentionImplementation.Sdpa => true,
        AttentionImplementation.Eager => false,
        _ => dtype is ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16,
    };

    public static Tensor Compute(Tensor q, Tensor k, Tensor v, Tensor? additiveMask, AttentionImplementation implementation)
    {
        if (UsesFused(implementation, q.dtype))
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

    /// <summary>(B, L, H·D) → (B, H, L, D), a view.</summary>
    public static Tensor SplitHeads(Tensor x, int numHeads, int headDim) => x.view(x.shape[0], x.shape[1], numHeads, headDim).transpose(1, 2);

    /// <summary>(B, H, L, D) → (B, L, H·D).</summary>
    public static Tensor MergeHeads(Tensor x) => x.transpose(1, 2).reshape(x.shape[0], x.shape[2], x.shape[1] * x.shape[3]);
}
