using Microsoft.Extensions.AI;
using Siglip2.Tasks;

namespace Siglip2.Extensions.AI;

/// <summary>What the text and image generators share: metadata, option checks, results, service lookup.</summary>
internal static class GeneratorSupport
{
    public const string ProviderName = "siglip2";

    public static EmbeddingGeneratorMetadata Metadata(Siglip2Encoder encoder) =>
        new(ProviderName, providerUri: null, defaultModelId: encoder.ModelId, defaultModelDimensions: encoder.Dimensions);

    /// <summary>A generator serves one model at its one size: another model id or a truncated size is refused, not ignored.</summary>
    public static void CheckOptions(EmbeddingGenerationOptions? options, Siglip2Encoder encoder)
    {
        if (options is null) return;
        if (options.ModelId is { } id && !string.Equals(id, encoder.ModelId, StringComparison.Ordinal))
            throw new ArgumentException($"this generator serves the model '{encoder.ModelId}' only, but the options ask for '{id}'; leave EmbeddingGenerationOptions.ModelId unset", nameof(options));
        if (options.Dimensions is int d && d != encoder.Dimensions)
            throw new ArgumentException($"{encoder.ModelId} embeds into {encoder.Dimensions} dimensions, but the options ask for {d}; SigLIP embeddings cannot be shortened, leave EmbeddingGenerationOptions.Dimensions unset", nameof(options));
    }

    public static GeneratedEmbeddings<Embedding<float>> ToGenerated(float[][] vectors, string modelId)
    {
        var created = DateTimeOffset.UtcNow;
        return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = modelId, CreatedAt = created }));
    }

    /// <summary>Runs the synchronous, CPU-bound work and reports its outcome through the task, as an async method would.</summary>
    public static Task<GeneratedEmbeddings<Embedding<float>>> Run(Func<GeneratedEmbeddings<Embedding<float>>> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<GeneratedEmbeddings<Embedding<float>>>(cancellationToken);
        try
        {
            return Task.FromResult(work());
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<GeneratedEmbeddings<Embedding<float>>>(cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<GeneratedEmbeddings<Embedding<float>>>(e);
        }
    }

    public static object? GetService(object generator, Type serviceType, object? serviceKey, EmbeddingGeneratorMetadata metadata, Siglip2Encoder encoder)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return metadata;
        if (serviceType == typeof(Siglip2Encoder)) return encoder;
        return serviceType.IsInstanceOfType(generator) ? generator : null;
    }
}
