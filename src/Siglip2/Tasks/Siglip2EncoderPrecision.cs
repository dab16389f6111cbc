namespace Siglip2.Tasks;

/// <summary>The number format a <see cref="Siglip2Encoder"/> computes in.</summary>
public enum Siglip2Precision
{
    /// <summary>float32 weights and activations (either backend).</summary>
    Float32,

    /// <summary>bfloat16 weights and activations (torch backend only).</summary>
    BFloat16,

    /// <summary>Dynamic int8 quantisation of the linear layers (onnx backend only; <see cref="Onnx.OnnxPrecision.Int8"/>).</summary>
    Int8,
}
