using TorchSharp;
using Siglip2.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// Fixed-resolution image embeddings (model_type <c>siglip</c>): a p×p stride-p convolution turns the (B, C, H, W)
/// image into a grid of patch tokens, plus a learned position embedding per grid cell.
/// Weight names <c>patch_embedding</c> (Conv2d) and <c>position_embedding</c> (Embedding).
/// </summary>
public sealed class FixedResolutionPatchEmbeddings : nn.Module
{
    // Field names are the Hugging Face weight names (TorchSharp registers modules by field name).
    private readonly Conv2d patch_embedding;
    private readonly Embedding position_embedding;
    private readonly VisionConfig _config;

    public Conv2d PatchEmbedding => patch_embedding;
    public Embedding PositionEmbedding => position_embedding;

    public FixedResolutionPatchEmbeddings(VisionConfig c) : base(nameof(FixedResolutionPatchEmbeddings))
    {
        _config = c;
        patch_embedding = nn.Conv2d(c.NumChannels, c.HiddenSize, c.PatchSize, stride: c.PatchSize);
        position_embedding = ParameterInitialization.Embedding(c.NumPositions, c.HiddenSize);
        RegisterComponents();
    }

    /// <param name="pixelValues">(B, C, H, W) with H = W = image_size.</param>
    /// <returns>(B, (H/p)·(W/p), D)</returns>
    public Tensor Forward(Tensor pixelValues)
    {
        if (pixelValues.dim() != 4 || pixelValues.shape[1] != _config.NumChannels
            || pixelValues.shape[2] != _config.ImageSize || pixelValues.shape[3] != _config.ImageSize)
            throw new Siglip2Exception($"pixel_values has shape [{string.Join(", ", pixelValues.shape)}], this fixed-resolution model expects [B, {_config.NumChannels}, {_config.ImageSize}, {_config.ImageSize}]");
        using var scope = NewDisposeScope();
        var patches = PatchEmbedding.forward(pixelValues.to_type(PatchEmbedding.weight!.dtype));
        var tokens = patches.flatten(2).transpose(1, 2);
        var result = tokens + PositionEmbedding.weight!.unsqueeze(0);
        return result.MoveToOuterDisposeScope();
    }
}
