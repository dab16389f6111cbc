namespace Siglip2.Onnx;

/// <summary>How the exported graphs compute their linear layers.</summary>
public enum OnnxPrecision
{
    /// <summary>Every weight float32: MatMul + Add.</summary>
    Float32,

    /// <summary>
    /// Dynamic int8 quantisation of every linear layer: activations quantised per tensor to uint8 at run time
    /// (DynamicQuantizeLinear), weights stored as int8 with one symmetric scale per output channel, an integer
    /// matrix product (MatMulInteger, u8 × s8 → int32), then rescaled to float32 and the float32 bias added.
    /// Embeddings tables, LayerNorms, the patch convolution and attention's own products stay float32.
    /// </summary>
    Int8,
}
