using Siglip2.Configuration;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// A change of the image tower's layout that keeps every other weight: the new config, and each image-tower tensor
/// in the new layout (<see cref="VisionTowerConversion"/> applies it to a model, a trainer applies it to the AdamW
/// moments too). Implementations: <see cref="FixedToNaflexConversion"/>, <see cref="FixedResolutionChange"/>.
/// </summary>
public interface IVisionTowerConversion
{
    /// <summary>One line for logs, e.g. "fixed 28×28 → NaFlex".</summary>
    string Description { get; }

    /// <summary>The whole model's config after the conversion (throws a <see cref="Siglip2Exception"/> if it does not apply).</summary>
    Siglip2Config ConvertConfig(Siglip2Config source);

    /// <summary>
    /// <paramref name="value"/> in the new layout; <paramref name="towerName"/> is the name inside the image tower
    /// (e.g. <c>embeddings.patch_embedding.weight</c>). Returns a new tensor (or <paramref name="value"/> itself when unchanged).
    /// </summary>
    Tensor ConvertTensor(string towerName, Tensor value, TensorRole role);
}
