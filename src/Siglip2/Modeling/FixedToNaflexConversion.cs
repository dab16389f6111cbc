using Siglip2.Configuration;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// Turns a fixed-resolution SigLIP (model_type <c>siglip</c>: Conv2d patch embedding, g×g position table) into the
/// NaFlex layout (model_type <c>siglip2</c>, as Hugging Face's <c>Siglip2VisionEmbeddings</c>): the convolution becomes
/// a Linear over flattened patches, the g×g position table becomes the NaFlex table (num_patches = g²) that is
/// resized bilinearly to each image's patch grid. Hugging Face flattens a patch as (row in patch, column in patch,
/// channel), so the Conv2d weight (D, C, p, p) is permuted to (D, p, p, C) and flattened to (D, p·p·C); the bias and
/// every other tensor are unchanged. Fed the same square image at the original grid, both layouts compute the same
/// embeddings (resizing a g×g table to g×g is the identity).
/// </summary>
public sealed class FixedToNaflexConversion : IVisionTowerConversion
{
    public const string PatchWeightName = "embeddings.patch_embedding.weight";

    public string Description => "fixed resolution → NaFlex";

    public Siglip2Config ConvertConfig(Siglip2Config source)
    {
        var vision = source.Vision ?? throw new Siglip2Exception($"a {source.ModelType} checkpoint has no image tower to convert to NaFlex");
        if (vision.IsNaflex) throw new Siglip2Exception("the model is already NaFlex (model_type siglip2); only fixed-resolution models are converted");
        int grid = vision.ImageSize / vision.PatchSize;
        var naflex = vision with { ModelType = VisionConfig.NaflexModelType, NumPatches = grid * grid };
        return source.IsDualTower
            ? source with { ModelType = Siglip2Config.NaflexModelType, Vision = naflex, Text = source.Text! with { ModelType = "siglip2_text_model" } }
            : source with { ModelType = VisionConfig.NaflexModelType, Vision = naflex };
    }

    public Tensor ConvertTensor(string towerName, Tensor value, TensorRole role) =>
        towerName == PatchWeightName ? ConvWeightToLinear(value) : value;

    /// <summary>(D, C, p, p) Conv2d weight → (D, p·p·C) Linear weight over patches flattened as (row, column, channel).</summary>
    public static Tensor ConvWeightToLinear(Tensor conv)
    {
        if (conv.dim() != 4 || conv.shape[2] != conv.shape[3])
            throw new Siglip2Exception($"expected a (D, C, p, p) patch convolution weight, got [{string.Join(", ", conv.shape)}]");
        return conv.permute(0, 2, 3, 1).reshape(conv.shape[0], -1).contiguous();
    }
}
