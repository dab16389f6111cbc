using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// The image tower's input, fixed-resolution or NaFlex, as one value: <see cref="PixelValues"/> (B, C, H, W), or NaFlex
/// (B, N, C·p·p) patches with <see cref="PixelAttentionMask"/> (B, N; 1 = real patch) and <see cref="SpatialShapes"/>
/// (B, 2) int64 patch grids. <see cref="SiglipVisionTransformer.Forward(VisionInput, bool)"/> and
/// <see cref="Siglip2Model.EmbedImages(VisionInput)"/> take it, so callers need no fixed/NaFlex branch. It does not own
/// the tensors.
/// </summary>
public sealed record VisionInput(Tensor PixelValues, Tensor? PixelAttentionMask = null, Tensor? SpatialShapes = null)
{
    /// <summary>The Hugging Face input names, as the image processors' tensors carry them.</summary>
    public const string PixelValuesName = "pixel_values";
    public const string PixelAttentionMaskName = "pixel_attention_mask";
    public const string SpatialShapesName = "spatial_shapes";

    public bool IsNaflex => PixelAttentionMask is not null;
    public long BatchSize => PixelValues.shape[0];

    /// <summary>From the named tensors of an image processor's batch (<c>pixel_values</c> [+ <c>pixel_attention_mask</c>, <c>spatial_shapes</c>]).</summary>
    public static VisionInput FromNamedTensors(IReadOnlyDictionary<string, Tensor> tensors)
    {
        if (!tensors.TryGetValue(PixelValuesName, out var pixels))
            throw new Siglip2Exception($"image inputs need {PixelValuesName}; got {string.Join(", ", tensors.Keys)}");
        var mask = tensors.GetValueOrDefault(PixelAttentionMaskName);
        var shapes = tensors.GetValueOrDefault(SpatialShapesName);
        if ((mask is null) != (shapes is null))
            throw new Siglip2Exception($"NaFlex image inputs need both {PixelAttentionMaskName} and {SpatialShapesName}");
        return new VisionInput(pixels, mask, shapes);
    }
}
