using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Siglip2.Extensions.AI;
using Siglip2.Tasks;
using static Siglip2.Tests.Api.ApiReference;

namespace Siglip2.Tests.Api;

/// <summary>The Microsoft.Extensions.AI generators, from dependency injection and behind MEAI's own middleware.</summary>
public class Siglip2EmbeddingGeneratorTests
{
    private static IDistributedCache NewCache() => new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));

    private static float[][] Vectors(GeneratedEmbeddings<Embedding<float>> embeddings) => embeddings.Select(e => e.Vector.ToArray()).ToArray();

    [Theory]
    [InlineData(Fixed)]
    [InlineData(NaFlex)]
    public async Task GeneratorsFromServicesBehindLoggingAndCachingGiveTheReferenceEmbeddings(string fixture)
    {
        using var folder = FolderWithTokenizer(fixture);
        var services = new ServiceCollection();
        services.AddSiglip2Embeddings(folder.Path, o => { o.ModelId = "google/" + fixture; o.BatchSize = 2; });
        using var provider = services.BuildServiceProvider();
        var textGenerator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var imageGenerator = provider.GetRequiredService<IEmbeddingGenerator<DataContent, Embedding<float>>>();
        var encoder = provider.GetRequiredService<Siglip2Encoder>();
        Assert.Same(textGenerator, provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Same(encoder, textGenerator.GetService<Siglip2Encoder>());
        Assert.Same(encoder, imageGenerator.GetService<Siglip2Encoder>());
        foreach (var metadata in new[] { textGenerator.GetService<EmbeddingGeneratorMetadata>()!, imageGenerator.GetService<EmbeddingGeneratorMetadata>()! })
        {
            Assert.Equal("siglip2", metadata.ProviderName);
            Assert.Equal("google/" + fixture, metadata.DefaultModelId);
            Assert.Equal(64, metadata.DefaultModelDimensions);
        }
        Assert.Same(textGenerator, textGenerator.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Null(textGenerator.GetService<Siglip2Encoder>(serviceKey: "other"));

        // MEAI's own middleware around ours: logging outside, a distributed cache, and a counter of what reaches the model
        int textCalls = 0, imageCalls = 0;
        var texts = new EmbeddingGeneratorBuilder<string, Embedding<float>>(textGenerator)
            .UseLogging(NullLoggerFactory.Instance)
            .UseDistributedCache(NewCache())
            .Use((values, options, inner, ct) => { Interlocked.Increment(ref textCalls); return inner.GenerateAsync(values, options, ct); })
            .Build(provider);
        var images = new EmbeddingGeneratorBuilder<DataContent, Embedding<float>>(imageGenerator)
            .UseLogging(NullLoggerFactory.Instance)
            .UseDistributedCache(NewCache())
            .Use((values, options, inner, ct) => { Interlocked.Increment(ref imageCalls); return inner.GenerateAsync(values, options, ct); })
            .Build(provider);

        var referenceTexts = ReferenceTexts(fixture);
        var textEmbeddings = await texts.GenerateAsync(referenceTexts);
        AssertClose(Vectors(textEmbeddings), fixture, "text_embeds");
        Assert.All(textEmbeddings, e => Assert.Equal("google/" + fixture, e.ModelId));
        var single = await texts.GenerateVectorAsync(referenceTexts[1]); // MEAI's extension, served from the cache
        AssertClose([single.ToArray()], fixture, "text_embeds", rows: 2, from: 1);

        var paths = Images(fixture);
        // bytes with a media type for some, data: URIs for the others
        var contents = paths.Select((p, i) => i % 2 == 0
            ? new DataContent(File.ReadAllBytes(p), "image/png")
            : new DataContent("data:image/png;base64," + Convert.ToBase64String(File.ReadAllBytes(p)))).ToArray();
        var imageEmbeddings = await images.GenerateAsync(contents);
        AssertClose(Vectors(imageEmbeddings), fixture, "image_embeds");
        Assert.Equal(64, imageEmbeddings[0].Dimensions);

        int textsBefore = textCalls, imagesBefore = imageCalls;
        AssertClose(Vectors(await texts.GenerateAsync(referenceTexts)), fixture, "text_embeds");
        AssertClose(Vectors(await images.GenerateAsync(contents)), fixture, "image_embeds");
        Assert.Equal(textsBefore, textCalls); // every value came from the cache
        Assert.Equal(imagesBefore, imageCalls);
    }

    [Fact]
    public async Task BadInputsOptionsAndCancellation()
    {
        using var folder = FolderWithTokenizer(Fixed);
        using var encoder = Siglip2Encoder.Load(folder.Path);
        using IEmbeddingGenerator<DataContent, Embedding<float>> images = new Siglip2ImageEmbeddingGenerator(encoder);
        using IEmbeddingGenerator<string, Embedding<float>> texts = encoder.AsTextEmbeddingGenerator();
        var png = File.ReadAllBytes(Images(Fixed)[0]);

        var notImage = await Assert.ThrowsAsync<ArgumentException>(() => images.GenerateAsync([new DataContent("hello"u8.ToArray(), "text/plain")]));
        Assert.Contains("text/plain", notImage.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => images.GenerateAsync([new DataContent("data:application/pdf;base64,AAAA")]));
        var corrupt = await Assert.ThrowsAsync<Siglip2Exception>(() => images.GenerateAsync([new DataContent(png, "image/png"), new DataContent(new byte[] { 1, 2, 3 }, "image/png")]));
        Assert.Contains("in-memory image 2", corrupt.Message);
        Assert.DoesNotContain('\n', corrupt.Message);
        // through the logging middleware the same exceptions reach the caller
        var logged = images.AsBuilder().UseLogging(NullLoggerFactory.Instance).Build();
        await Assert.ThrowsAsync<ArgumentException>(() => logged.GenerateAsync([new DataContent("hello"u8.ToArray(), "text/plain")]));

        await Assert.ThrowsAsync<ArgumentException>(() => texts.GenerateAsync(["一"], new EmbeddingGenerationOptions { Dimensions = 32 }));
        await Assert.ThrowsAsync<ArgumentException>(() => texts.GenerateAsync(["一"], new EmbeddingGenerationOptions { ModelId = "another-model" }));
        Assert.Single(await texts.GenerateAsync(["一"], new EmbeddingGenerationOptions { Dimensions = 64, ModelId = encoder.ModelId }));
        Assert.Empty(await texts.GenerateAsync([]));
        Assert.Empty(await images.GenerateAsync([]));

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => texts.GenerateAsync(["一"], cancellationToken: cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => images.GenerateAsync([new DataContent(png, "image/png")], cancellationToken: cancelled.Token));
    }

    [Fact]
    public async Task TheSharedEncoderIsDisposedOnceByItsOwner()
    {
        using var folder = FolderWithTokenizer(Fixed);
        var png = File.ReadAllBytes(Images(Fixed)[0]);
        Siglip2Encoder encoder;
        var services = new ServiceCollection().AddSiglip2Embeddings(folder.Path);
        using (var provider = services.BuildServiceProvider())
        {
            var images = provider.GetRequiredService<IEmbeddingGenerator<DataContent, Embedding<float>>>();
            encoder = provider.GetRequiredService<Siglip2Encoder>();
            Assert.Equal(Path.GetFileName(folder.Path), encoder.ModelId);
            // disposing a generator that does not own the encoder leaves it working
            provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().Dispose();
            AssertClose([encoder.EmbedImage(png)], Fixed, "image_embeds", rows: 1);
            AssertClose(Vectors(await images.GenerateAsync([new DataContent(png, "image/png")])), Fixed, "image_embeds", rows: 1);
        }
        // the container owned it
        Assert.Throws<ObjectDisposedException>(() => encoder.EmbedImage(png));

        var owned = Siglip2Encoder.Load(folder.Path);
        var generator = new Siglip2TextEmbeddingGenerator(owned, ownsEncoder: true);
        generator.Dispose();
        generator.Dispose();
        Assert.Throws<ObjectDisposedException>(() => owned.EmbedImage(png));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => generator.GenerateAsync(["一"]));
    }
}
