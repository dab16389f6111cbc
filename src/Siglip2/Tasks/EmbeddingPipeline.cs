using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Modeling;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks;

/// <summary>Options for <see cref="EmbeddingPipeline"/>.</summary>
public sealed record EmbeddingPipelineOptions
{
    public int BatchSize { get; init; } = 8;
    public ScalarType? DType { get; init; }
    public AttentionImplementation Attention { get; init; } = AttentionImplementation.Auto;
    public SiglipTextOptions? Text { get; init; }
    public ImageDecodeOptions? Decode { get; init; }
    /// <summary>Overrides preprocessor_config.json's max_num_patches (NaFlex only).</summary>
    public int? MaxNumPatches { get; init; }
}

/// <summary>
/// A checkpoint folder ready for use: the model, its image processor (preprocessor_config.json) and its text
/// processor (tokenizer files), turning files and strings into L2-normalised embeddings and zero-shot probabilities.
/// </summary>
public sealed class EmbeddingPipeline : IDisposable
{
    public Siglip2Model Model { get; }
    public string Folder { get; }
    public EmbeddingPipelineOptions Options { get; }
    private IImageProcessor? _imageProcessor;
    private SiglipTextProcessor? _textProcessor;

    private EmbeddingPipeline(string folder, Siglip2Model model, EmbeddingPipelineOptions options)
    {
        Folder = folder;
        Model = model;
        Options = options;
    }

    public static EmbeddingPipeline Load(string folder, EmbeddingPipelineOptions? options = null)
    {
        folder = Hub.ModelLocator.Resolve(folder); // a Hub id org/name[@rev] becomes its cached snapshot folder
        options ??= new EmbeddingPipelineOptions();
        if (options.BatchSize < 1) throw new Siglip2Exception($"batch size must be ≥ 1, got {options.BatchSize}");
        var model = CheckpointLoader.Load(folder, new LoadOptions { DType = options.DType });
        model.SetAttentionImplementation(options.Attention);
        return new EmbeddingPipeline(folder, model, options);
    }

    /// <summary>The image processor from the folder's preprocessor_config.json (loaded on first use).</summary>
    public IImageProcessor ImageProcessor => _imageProcessor ??= CreateImageProcessor();

    /// <summary>The text processor from the folder's tokenizer files (loaded on first use), checked against the model's token table.</summary>
    public SiglipTextProcessor TextProcessor => _textProcessor ??= CreateTextProcessor();

    private SiglipTextProcessor CreateTextProcessor()
    {
        var processor = SiglipTextProcessor.FromFolder(Folder, Options.Text);
        if (Model.Text is { } text)
        {
            // Every id the pipeline can emit must index the token-embedding table, or a text that happens to hit a
            // high id fails (or reads out of bounds) long after loading.
            int vocab = text.Config.VocabSize;
            int largest = Math.Max(processor.Tokenizer.VocabularySize - 1,
                Math.Max(processor.Settings.PadId, Math.Max(processor.Settings.EosId ?? 0, processor.Settings.BosId ?? 0)));
            if (largest >= vocab)
                throw new Siglip2Exception(
                    $"the tokenizer '{processor.Tokenizer.SourcePath}' can produce id {largest:N0}, but config.json's text vocab_size is {vocab:N0}: the tokenizer and the weights are from different checkpoints; use the tokenizer files of the same model");
        }
        return processor;
    }

    private IImageProcessor CreateImageProcessor()
    {
        string path = Path.Combine(Folder, "preprocessor_config.json");
        if (InputFile.KindOf(path) == InputFileKind.Missing)
            throw new Siglip2Exception($"no preprocessor_config.json in {Folder} (the image processing settings of the checkpoint; copy it from the model repository)");
        var config = PreprocessorConfig.Load(path);
        if (Options.MaxNumPatches is { } n)
        {
            if (config.Kind != ImageProcessorKind.NaFlex)
                throw new Siglip2Exception("--max-patches applies to NaFlex checkpoints only");
            config = config with { MaxNumPatches = n };
        }
        bool naflexModel = Model.Vision.Config.IsNaflex;
        if ((config.Kind == ImageProcessorKind.NaFlex) != naflexModel)
            throw new Siglip2Exception($"{path} is for a {(config.Kind == ImageProcessorKind.NaFlex ? "NaFlex" : "fixed-resolution")} model, but config.json describes a {(naflexModel ? "NaFlex" : "fixed-resolution")} one");
        return ImageProcessorFactory.Create(config);
    }

    /// <summary>Embeds image files in batches, in input order; decoding of the next batch overlaps the current forward pass.</summary>
    public Tensor EmbedImageFiles(IReadOnlyList<string> paths, IProgress<int>? progress = null)
    {
        if (paths.Count == 0) throw new Siglip2Exception("no images to embed");
        var processor = ImageProcessor;
        int batch = Options.BatchSize;
        var chunks = Enumerable.Range(0, (paths.Count + batch - 1) / batch)
            .Select(i => paths.Skip(i * batch).Take(batch).ToList()).ToList();
        var results = new List<Tensor>();
        Task<ImageBatch> next = Task.Run(() => processor.PreprocessFiles(chunks[0], Options.Decode));
        int done = 0;
        for (int i = 0; i < chunks.Count; i++)
        {
            ImageBatch current;
            try { current = next.GetAwaiter().GetResult(); }
            catch (AggregateException e) when (e.InnerException is Siglip2Exception s) { throw s; }
            if (i + 1 < chunks.Count)
            {
                var paths2 = chunks[i + 1];
                next = Task.Run(() => processor.PreprocessFiles(paths2, Options.Decode));
            }
            results.Add(EmbedImages(current));
            done += chunks[i].Count;
            progress?.Report(done);
        }
        var all = torch.cat(results, 0);
        foreach (var r in results) r.Dispose();
        return all;
    }

    /// <summary>Embeds one preprocessed batch: (B, D) L2-normalised float32.</summary>
    public Tensor EmbedImages(ImageBatch batch)
    {
        using var scope = NewDisposeScope();
        using var _ = torch.inference_mode();
        var t = batch.ToTensors();
        var embeds = batch.IsNaFlex
            ? Model.EmbedImages(t[ImageBatch.PixelValuesName], t[ImageBatch.PixelAttentionMaskName], t[ImageBatch.SpatialShapesName])
            : Model.EmbedImages(t[ImageBatch.PixelValuesName]);
        var result = embeds.to_type(ScalarType.Float32);
        FiniteOutputs.Require(result, "image embedding", Folder);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Embeds tokenized texts in batches: (T, D) L2-normalised float32.</summary>
    public Tensor EmbedTexts(TokenizedTextBatch texts)
    {
        using var scope = NewDisposeScope();
        using var _ = torch.inference_mode();
        using var ids = texts.ToTensor();
        var parts = new List<Tensor>();
        for (long start = 0; start < ids.shape[0]; start += Options.BatchSize)
        {
            long n = Math.Min(Options.BatchSize, ids.shape[0] - start);
            parts.Add(Model.EmbedTexts(ids.narrow(0, start, n)).to_type(ScalarType.Float32));
        }
        var result = torch.cat(parts, 0);
        FiniteOutputs.Require(result, "text embedding", Folder);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Zero-shot probabilities sigmoid(exp(t)·⟨img, txt⟩ + b): (I, T), each in [0, 1] independently (no softmax).</summary>
    public Tensor Probabilities(Tensor imageEmbeds, Tensor textEmbeds)
    {
        using var scope = NewDisposeScope();
        using var _ = torch.inference_mode();
        var (_, perImage) = Model.Logits(imageEmbeds, textEmbeds);
        FiniteOutputs.Require(perImage, "logit", Folder);
        var result = torch.sigmoid(perImage.to_type(ScalarType.Float32));
        FiniteOutputs.Require(result, "probability", Folder);
        return result.MoveToOuterDisposeScope();
    }

    public void Dispose() => Model.Dispose();
}
