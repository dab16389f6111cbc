using Microsoft.Extensions.AI;
using Siglip2.Extensions.AI;
using Siglip2.Tasks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers SigLIP 2 embedding generators in a service collection.</summary>
public static class Siglip2ServiceCollectionExtensions
{
    /// <summary>
    /// Registers, as singletons, one shared <see cref="Siglip2Encoder"/> for <paramref name="modelFolder"/> (loaded on
    /// first use and disposed with the service provider), an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of
    /// <see cref="string"/> for texts and one of <see cref="DataContent"/> for images, both using that encoder.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="modelFolder">A checkpoint folder (config.json, model.safetensors, preprocessor_config.json, tokenizer), or a Hugging Face Hub id <c>org/name[@revision]</c>.</param>
    /// <param name="configure">Adjusts the encoder's options before it is loaded.</param>
    public static IServiceCollection AddSiglip2Embeddings(this IServiceCollection services, string modelFolder, Action<Siglip2EncoderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFolder);
        services.AddSingleton(_ =>
        {
            var options = new Siglip2EncoderOptions();
            configure?.Invoke(options);
            return Siglip2Encoder.Load(modelFolder, options);
        });
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp => new Siglip2TextEmbeddingGenerator(sp.GetRequiredService<Siglip2Encoder>()));
        services.AddSingleton<IEmbeddingGenerator<DataContent, Embedding<float>>>(sp => new Siglip2ImageEmbeddingGenerator(sp.GetRequiredService<Siglip2Encoder>()));
        return services;
    }
}
