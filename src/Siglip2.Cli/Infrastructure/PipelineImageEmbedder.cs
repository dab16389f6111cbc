using Siglip2.Processing.Images;
using Siglip2.Search;
using Siglip2.Tasks;

namespace Siglip2.Cli.Infrastructure;

/// <summary>The embedding pipeline as the <see cref="IImageEmbedder"/> the index needs (with --backend onnx, its ONNX Runtime graphs).</summary>
public sealed class PipelineImageEmbedder(EmbeddingPipeline pipeline, string modelId, Siglip2.Onnx.OnnxEmbedder? onnx = null) : IImageEmbedder
{
    public string ModelId => modelId;
    public int Dimensions => pipeline.Model.Config.Vision?.HiddenSize ?? throw new Siglip2Exception($"{modelId} has no image tower; an image index needs one");

    public ImageBatch Preprocess(IReadOnlyList<RgbImage> images) => pipeline.ImageProcessor.Preprocess(images);

    public float[][] EmbedImages(ImageBatch batch)
    {
        using var embeds = onnx?.EmbedImages(batch) ?? pipeline.EmbedImages(batch);
        return Rows(embeds);
    }

    public static float[][] Rows(TorchSharp.torch.Tensor embeds)
    {
        var flat = embeds.contiguous().data<float>().ToArray();
        int d = (int)embeds.shape[1];
        return Enumerable.Range(0, (int)embeds.shape[0]).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
    }
}
