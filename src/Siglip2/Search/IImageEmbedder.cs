using Siglip2.Processing.Images;

namespace Siglip2.Search;

/// <summary>
/// What indexing needs of a model: its name and size, preprocessing (run on a worker, overlapped with the model), and
/// embeddings of a preprocessed batch (L2-normalised rows).
/// </summary>
public interface IImageEmbedder
{
    string ModelId { get; }
    int Dimensions { get; }
    ImageBatch Preprocess(IReadOnlyList<RgbImage> images);
    float[][] EmbedImages(ImageBatch batch);
}
