namespace Siglip2.Tasks;

/// <summary>What runs a <see cref="Siglip2Encoder"/>'s towers.</summary>
public enum Siglip2Backend
{
    /// <summary>TorchSharp (libtorch), the model's own modules.</summary>
    Torch,

    /// <summary>ONNX Runtime over the towers exported to ONNX graphs (cached; <see cref="Onnx.OnnxEmbedder"/>).</summary>
    Onnx,
}
