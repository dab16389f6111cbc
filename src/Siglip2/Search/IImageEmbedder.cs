using Siglip2.Processing.Images;

namespace Siglip2.Search;

/// <summary>What indexing needs of a model: its name and size, and embeddings of decoded images (L2-normalised rows).</summary>
public interface IImageEmbedder
{
    string ModelId { get; }
    int Dimensions { get; }
    float[][] EmbedImages(IReadOnlyList<RgbImage> images);
}
