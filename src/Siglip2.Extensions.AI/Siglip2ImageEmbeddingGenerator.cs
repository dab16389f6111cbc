using Microsoft.Extensions.AI;
using Siglip2.Tasks;

namespace Siglip2.Extensions.AI;

/// <summary>
/// SigLIP 2 image embeddings as a Microsoft.Extensions.AI <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of
/// <see cref="DataContent"/>: each value holds an encoded image (JPEG, PNG, WebP, BMP or GIF bytes, or a
/// <c>data:image/...;base64,</c> URI) with an <c>image/*</c> media type, and becomes the model's L2-normalised
/// <c>image_embeds</c> row, in the same space as the texts of <see cref="Siglip2TextEmbeddingGenerator"/>.
/// The work is CPU-bound and done on the calling thread; the task completes when it is done. Thread-safe.
/// </summary>
public sealed class Siglip2ImageEmbeddingGenerator : Siglip2EmbeddingGenerator<DataContent>
{
    /// <param name="encoder">The loaded model; several generators may share it.</param>
    /// <param name="ownsEncoder">True to dispose <paramref name="encoder"/> with this generator; false (default) leaves that to its owner.</param>
    public Siglip2ImageEmbeddingGenerator(Siglip2Encoder encoder, bool ownsEncoder = false) : base(encoder, ownsEncoder) { }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A value is not an image (its media type is not image/*), or the options name another model or size.</exception>
    /// <exception cref="Siglip2Exception">An image cannot be decoded (in the task).</exception>
    protected override Func<CancellationToken, float[][]> Prepare(DataContent[] contents)
    {
        var images = new ReadOnlyMemory<byte>[contents.Length];
        for (int i = 0; i < contents.Length; i++)
        {
            var content = contents[i] ?? throw new ArgumentNullException("values", $"value {i + 1} is null");
            if (!content.HasTopLevelMediaType("image"))
                throw new ArgumentException(
                    $"value {i + 1}{(content.Name is { } name ? $" ('{name}')" : "")} has media type '{content.MediaType}', which is not an image; give image/png, image/jpeg, image/webp, image/bmp or image/gif data (texts go to the text generator)",
                    "values");
            images[i] = content.Data;
        }
        return cancel => Encoder.EmbedImages(images, cancel);
    }
}
