using Microsoft.Extensions.AI;
using Siglip2.Tasks;

namespace Siglip2.Extensions.AI;

/// <summary>
/// What the text and image generators share: the encoder (shared, disposed only by its owner), the metadata, the
/// option checks, the outcome reported through the task, <c>GetService</c> and <c>Dispose</c>. A subclass turns its
/// inputs into embeddings.
/// </summary>
public abstract class Siglip2EmbeddingGenerator<TInput> : IEmbeddingGenerator<TInput, Embedding<float>>
{
    private readonly bool _ownsEncoder;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private volatile bool _disposed;

    /// <param name="encoder">The loaded model; several generators may share it.</param>
    /// <param name="ownsEncoder">True to dispose <paramref name="encoder"/> with this generator; false (default) leaves that to its owner.</param>
    protected Siglip2EmbeddingGenerator(Siglip2Encoder encoder, bool ownsEncoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        Encoder = encoder;
        _ownsEncoder = ownsEncoder;
        _metadata = GeneratorSupport.Metadata(encoder);
    }

    /// <summary>The encoder this generator runs.</summary>
    protected Siglip2Encoder Encoder { get; }

    /// <summary>Provider "siglip2", the encoder's model id and its embedding size.</summary>
    public EmbeddingGeneratorMetadata Metadata => _metadata;

    /// <summary>Checks the inputs (throwing at once for caller mistakes); the returned function does the work.</summary>
    protected abstract Func<CancellationToken, float[][]> Prepare(TInput[] values);

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<TInput> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ObjectDisposedException.ThrowIf(_disposed, this);
        GeneratorSupport.CheckOptions(options, Encoder);
        var work = Prepare(values.ToArray());
        return GeneratorSupport.Run(() => GeneratorSupport.ToGenerated(work(cancellationToken), Encoder.ModelId), cancellationToken);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        GeneratorSupport.GetService(this, serviceType, serviceKey, _metadata, Encoder);

    /// <summary>Disposes the encoder only when this generator owns it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_ownsEncoder) Encoder.Dispose();
        GC.SuppressFinalize(this);
    }
}
