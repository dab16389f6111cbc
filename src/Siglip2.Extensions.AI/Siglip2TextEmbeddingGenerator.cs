using Microsoft.Extensions.AI;
using Siglip2.Tasks;

namespace Siglip2.Extensions.AI;

/// <summary>
/// SigLIP 2 text embeddings as a Microsoft.Extensions.AI <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: each
/// string becomes the model's L2-normalised <c>text_embeds</c> row, in the same space as the images of
/// <see cref="Siglip2ImageEmbeddingGenerator"/> (compare them by cosine similarity = dot product).
/// The work is CPU-bound and done on the calling thread; the task completes when it is done. Thread-safe.
/// </summary>
public sealed class Siglip2TextEmbeddingGenerator : Siglip2EmbeddingGenerator<string>
{
    /// <param name="encoder">The loaded model; several generators may share it.</param>
    /// <param name="ownsEncoder">True to dispose <paramref name="encoder"/> with this generator; false (default) leaves that to its owner.</param>
    public Siglip2TextEmbeddingGenerator(Siglip2Encoder encoder, bool ownsEncoder = false) : base(encoder, ownsEncoder) { }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The options name another model or another size.</exception>
    /// <exception cref="Siglip2Exception">The checkpoint has no tokenizer, or a text is over the limits (in the task).</exception>
    protected override Func<CancellationToken, float[][]> Prepare(string[] texts)
    {
        for (int i = 0; i < texts.Length; i++)
            if (texts[i] is null) throw new ArgumentNullException("values", $"text {i + 1} is null");
        return cancel => Encoder.EmbedTexts(texts, cancel);
    }
}
