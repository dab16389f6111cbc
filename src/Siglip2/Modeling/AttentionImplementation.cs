using TorchSharp;
namespace Siglip2.Modeling;

/// <summary>How the attention layers compute softmax(QKᵀ/√d + mask)·V.</summary>
public enum AttentionImplementation
{
    /// <summary>The implementation measured fastest on CPU for the dtype (<see cref="ScaledDotProduct.UsesFused"/>): fused for fp32 and bf16, explicit for fp16.</summary>
    Auto,
    /// <summary>libtorch's fused <c>scaled_dot_product_attention</c>.</summary>
    Sdpa,
    /// <summary>Explicit matmul, additive mask, softmax in fp32, matmul — Hugging Face's "eager" path.</summary>
    Eager,
}
