using Microsoft.Extensions.AI;
using Siglip2.Tasks;

namespace Siglip2.Extensions.AI;

/// <summary>Views of a <see cref="Siglip2Encoder"/> as Microsoft.Extensions.AI embedding generators.</summary>
public static class Siglip2EncoderExtensions
{
    /// <summary>The encoder as a text embedding generator; the encoder stays owned by the caller.</summary>
    public static IEmbeddingGenerator<string, Embedding<float>> AsTextEmbeddingGenerator(this Siglip2Encoder encoder) =>
        new Siglip2TextEmbeddingGenerator(encoder);

    /// <summary>The encoder as an image embedding generator (<see cref="DataContent"/> with an image/* media type); the encoder stays owned by the caller.</summary>
    public static IEmbeddingGenerator<DataContent, Embedding<float>> AsImageEmbeddingGenerator(this Siglip2Encoder encoder) =>
        new Siglip2ImageEmbeddingGenerator(encoder);
}
