using Siglip2.Configuration;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// Moves a fixed-resolution image tower to another square input size (the SigLIP 2 fixed-resolution variants, e.g.
/// 28×28 → 42×42 with 7×7 patches: a 4×4 → 6×6 grid): the position table is resized with
/// <see cref="PositionEmbeddingResize"/> (bicubic, as Hugging Face's <c>interpolate_pos_encoding</c>); every other
/// weight is unchanged. AdamW moments of the table: the first moment is resized like the weight, the second moment
/// bilinearly (its interpolation weights are non-negative, so it stays ≥ 0).
/// </summary>
public sealed class FixedResolutionChange : IVisionTowerConversion
{
    public const string PositionWeightName = "embeddings.position_embedding.weight";

    public int ImageSize { get; }
    public int PatchSize { get; }
    public int Grid => ImageSize / PatchSize;

    public FixedResolutionChange(int imageSize, int patchSize)
    {
        if (patchSize < 1 || imageSize < patchSize || imageSize % patchSize != 0)
            throw new Siglip2Exception($"image size {imageSize} is not a positive multiple of the patch size {patchSize} (e.g. {Math.Max(1, patchSize) * 6})");
        ImageSize = imageSize; PatchSize = patchSize;
    }

    public string Description => $"fixed resolution → {ImageSize}×{ImageSize} ({Grid}×{Grid} patches)";

    public Siglip2Config ConvertConfig(Siglip2Config source)
    {
        var vision = source.Vision ?? throw new Siglip2Exception($"a {source.ModelType} checkpoint has no image tower to resize");
        if (vision.IsNaflex) throw new Siglip2Exception("the model is NaFlex (model_type siglip2); a resolution change applies to fixed-resolution models");
        if (vision.PatchSize != PatchSize)
            throw new Siglip2Exception($"the model has {vision.PatchSize}×{vision.PatchSize} patches, the resolution change was made for {PatchSize}×{PatchSize}");
        return source with { Vision = vision with { ImageSize = ImageSize } };
    }

    public Tensor ConvertTensor(string towerName, Tensor value, TensorRole role)
    {
        if (towerName != PositionWeightName) return value;
        return role == TensorRole.SecondMoment
            ? PositionEmbeddingResize.Resize(value, Grid, InterpolationMode.Bilinear).clamp_min(0)
            : PositionEmbeddingResize.Resize(value, Grid);
    }
}
