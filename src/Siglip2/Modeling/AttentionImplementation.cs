using TorchSharp;
namespace Siglip2.Modeling;

/// <summary>How the attention layers compute softmax(QKᵀ/√d + mask)·V.</summary>
public enum AttentionImplementation
{
    /// <summary>Fused <c>scaled_dot_product_attention</c> for fp32, explicit matmul + softmax for bf16/fp16 (fastest measured on CPU).</summary>
    Auto,
    /// <summary>libtorch's fused <c>scaled_dot_product_attention</c>.</summary>
    Sdpa,
    /// <summary>Explicit matmul, additive mask, softmax in fp32, matmul — Hugging Face's "eager" path.</summary>
    Eager,
}
