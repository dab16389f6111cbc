using Siglip2.Configuration;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks;

/// <summary>
/// A SigLIP / SigLIP 2 checkpoint ready to embed images and texts, with no TorchSharp in sight: inputs are file paths,
/// streams, encoded bytes and strings; outputs are <c>float[]</c> embeddings (L2-normalised, equal to the model's
/// <c>image_embeds</c> / <c>text_embeds</c>), zero-shot label probabilities and image–text scores. Fixed-resolution
/// (<c>model_type: "siglip"</c>) and NaFlex (<c>"siglip2"</c>) checkpoints work alike.
/// <para>
/// Thread safety: every method may be called from several threads at once. Images are decoded and resized on the
/// calling thread, in parallel; the model itself runs one batch at a time (libtorch already spreads one batch over the
/// cores). Results do not depend on what other threads do.
/// </para>
/// <para>
/// Cancellation: the token is checked before every image, every batch and every forward pass; a forward pass that has
/// started runs to its end. Errors in the inputs or the checkpoint are <see cref="Siglip2Exception"/>s with one-line
/// messages; null arguments are <see cref="ArgumentNullException"/>s.
/// </para>
/// </summary>
/// <example>
/// <code>
/// using var encoder = Siglip2Encoder.Load("siglip2-base-patch16-224");
/// float[] image = encoder.EmbedImage("cat.jpg");
/// float[] text = encoder.EmbedText("a photo of a cat");
/// var labels = encoder.Classify("cat.jpg", ["cat", "dog"]);   // sorted, most probable first
/// </code>
/// </example>
public sealed class Siglip2Encoder : IDisposable
{
    /// <summary>The prompt of <see cref="Classify(string, IReadOnlyList{string}, string, CancellationToken)"/>; <c>{}</c> is replaced by the label.</summary>
    public const string DefaultTemplate = "this is a photo of {}.";

    private readonly EmbeddingPipeline _pipeline;
    private readonly Onnx.OnnxEmbedder? _onnx;
    private readonly Siglip2EncoderOptions _options;
    private readonly ImageDecodeOptions _decode;
    private readonly object _modelGate = new();
    private readonly object _processorGate = new();
    private IImageProcessor? _imageProcessor;
    private SiglipTextProcessor? _textProcessor;
    private volatile bool _disposed;

    private Siglip2Encoder(EmbeddingPipeline pipeline, Siglip2EncoderOptions options, string modelId)
    {
        _pipeline = pipeline;
        if (options.Backend == Siglip2Backend.Onnx)
            _onnx = new Onnx.OnnxEmbedder(pipeline.Model, pipeline.Folder,
                options.Precision == Siglip2Precision.Int8 ? Onnx.OnnxPrecision.Int8 : Onnx.OnnxPrecision.Float32,
                options.OnnxCacheFolder ?? Onnx.OnnxEmbedder.DefaultCacheRoot(), options.OnnxThreads);
        _options = options;
        _decode = new ImageDecodeOptions { ApplyExifOrientation = options.ApplyExifOrientation, MaxPixels = options.MaxImagePixels };
        ModelId = modelId;
        var config = pipeline.Model.Config;
        Dimensions = config.Vision?.HiddenSize ?? config.Text!.ProjectionSize;
    }

    /// <summary>
    /// Loads a checkpoint folder or a Hugging Face Hub id <c>org/name[@revision]</c> (downloaded into the shared
    /// Hugging Face cache by <see cref="Hub.ModelLocator"/>, with the <c>HF_*</c> environment): <c>config.json</c> and <c>model.safetensors</c> (or sharded weights), with
    /// <c>preprocessor_config.json</c> for images and <c>tokenizer.json</c> / <c>tokenizer.model</c> for texts. The
    /// image settings are read now; the tokenizer on the first text, so a folder without one still embeds images.
    /// </summary>
    /// <exception cref="Siglip2Exception">The folder, its files or <paramref name="options"/> are not usable.</exception>
    public static Siglip2Encoder Load(string modelOrId, Siglip2EncoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(modelOrId);
        if (string.IsNullOrWhiteSpace(modelOrId)) throw new Siglip2Exception("the model is an empty string; give a checkpoint folder with config.json and model.safetensors, or a Hub id");
        options = (options ?? new Siglip2EncoderOptions()).Copy();
        options.Validate();
        string folder = Hub.ModelLocator.Resolve(modelOrId);
        if (folder != modelOrId) options.ModelId ??= modelOrId; // a Hub id names the model, not its snapshot folder
        var pipeline = EmbeddingPipeline.Load(folder, new EmbeddingPipelineOptions
        {
            BatchSize = options.BatchSize,
            Text = new SiglipTextOptions { Length = options.TextLength, Lowercase = options.Lowercase },
            MaxNumPatches = options.MaxNumPatches,
            // the onnx backend exports its graphs from the float32 weights
            DType = options.Precision == Siglip2Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32,
        });
        try
        {
            var config = pipeline.Model.Config;
            if (options.MaxNumPatches is not null && !config.IsNaflex)
                throw new Siglip2Exception($"Siglip2EncoderOptions.MaxNumPatches applies to NaFlex checkpoints only, and {folder} is a fixed-resolution one; leave it null");
            string modelId = options.ModelId ?? FolderName(folder);
            var encoder = new Siglip2Encoder(pipeline, options, modelId);
            if (config.Vision is not null) encoder._imageProcessor = pipeline.ImageProcessor; // preprocessor_config.json errors show now
            return encoder;
        }
        catch
        {
            pipeline.Dispose();
            throw;
        }
    }

    private static string FolderName(string folder)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        string name = Path.GetFileName(full);
        return name.Length > 0 ? name : full;
    }

    /// <summary>The model's name: <see cref="Siglip2EncoderOptions.ModelId"/>, else the checkpoint folder's name.</summary>
    public string ModelId { get; }

    /// <summary>The checkpoint folder the encoder was loaded from.</summary>
    public string Folder => _pipeline.Folder;

    /// <summary>Length of every embedding (the shared image/text embedding space, e.g. 768 for a B/16).</summary>
    public int Dimensions { get; }

    /// <summary>What runs the towers, and in which number format (from the options).</summary>
    public Siglip2Backend Backend => _options.Backend;

    /// <inheritdoc cref="Siglip2EncoderOptions.Precision"/>
    public Siglip2Precision Precision => _options.Precision;

    /// <summary>True for a NaFlex checkpoint (images keep their aspect ratio), false for a fixed-resolution one.</summary>
    public bool IsNaFlex => _pipeline.Model.Config.IsNaflex;

    /// <summary>True when the checkpoint has an image tower (the <c>EmbedImage</c> methods work).</summary>
    public bool HasImageTower => _pipeline.Model.Config.Vision is not null;

    /// <summary>True when the checkpoint has a text tower (the <c>EmbedText</c> methods work, given a tokenizer).</summary>
    public bool HasTextTower => _pipeline.Model.Config.Text is not null;

    // ---- images -------------------------------------------------------------------------------------------------

    /// <summary>Embeds an image file (JPEG, PNG, WebP, BMP, GIF).</summary>
    public float[] EmbedImage(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        return EmbedImages([path], cancellationToken)[0];
    }

    /// <summary>Embeds the encoded image read from <paramref name="stream"/> (from its current position to its end; the stream is not disposed).</summary>
    public float[] EmbedImage(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return EmbedImages([stream], cancellationToken)[0];
    }

    /// <summary>Embeds an encoded image (the bytes of a JPEG, PNG, WebP, BMP or GIF file).</summary>
    public float[] EmbedImage(byte[] encodedImage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedImage);
        return EmbedImage(encodedImage.AsMemory(), cancellationToken);
    }

    /// <summary>Embeds an encoded image (the bytes of a JPEG, PNG, WebP, BMP or GIF file).</summary>
    public float[] EmbedImage(ReadOnlyMemory<byte> encodedImage, CancellationToken cancellationToken = default) =>
        EmbedImages([encodedImage], cancellationToken)[0];

    /// <summary>Embeds image files in batches; one embedding per file, in input order.</summary>
    public float[][] EmbedImages(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        RequireItems(paths, nameof(paths));
        return EmbedImageSources(paths.Count, i => ImageDecoder.DecodeFile(paths[i], _decode), cancellationToken);
    }

    /// <summary>Embeds the encoded images read from <paramref name="streams"/>, in input order (the streams are not disposed).</summary>
    public float[][] EmbedImages(IReadOnlyList<Stream> streams, CancellationToken cancellationToken = default)
    {
        RequireItems(streams, nameof(streams));
        return EmbedImageSources(streams.Count, i =>
        {
            string name = $"stream {i + 1}";
            byte[] data;
            try { data = InputFile.ReadBounded(streams[i], name, "image", InputLimits.EncodedImageBytes); }
            catch (Exception e) when (e is IOException or NotSupportedException or ObjectDisposedException)
            {
                throw new Siglip2Exception($"cannot read image {name}: {e.Message}", e);
            }
            return ImageDecoder.Decode(data, name, _decode);
        }, cancellationToken);
    }

    /// <summary>Embeds encoded images (file bytes), in input order.</summary>
    public float[][] EmbedImages(IReadOnlyList<byte[]> encodedImages, CancellationToken cancellationToken = default)
    {
        RequireItems(encodedImages, nameof(encodedImages));
        return EmbedImageSources(encodedImages.Count, i => ImageDecoder.Decode(encodedImages[i], BytesName(i), _decode), cancellationToken);
    }

    /// <summary>Embeds encoded images (file bytes), in input order.</summary>
    public float[][] EmbedImages(IReadOnlyList<ReadOnlyMemory<byte>> encodedImages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedImages);
        return EmbedImageSources(encodedImages.Count, i => ImageDecoder.Decode(encodedImages[i].Span, BytesName(i), _decode), cancellationToken);
    }

    private static string BytesName(int i) => $"in-memory image {i + 1}";

    private float[][] EmbedImageSources(int count, Func<int, RgbImage> decode, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var processor = _imageProcessor
            ?? throw new Siglip2Exception($"the checkpoint in {Folder} ({_pipeline.Model.Config.ModelType}) has no image tower; it embeds texts only");
        var result = new float[count][];
        int batchSize = _options.BatchSize;
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            var images = new RgbImage[n];
            for (int i = 0; i < n; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                images[i] = decode(start + i);
            }
            var batch = processor.Preprocess(images);
            cancellationToken.ThrowIfCancellationRequested();
            RunModel(() => _onnx?.EmbedImages(batch) ?? _pipeline.EmbedImages(batch)).CopyTo(result, start);
        }
        return result;
    }

    // ---- texts --------------------------------------------------------------------------------------------------

    /// <summary>Embeds one text (lowercased and tokenized as the checkpoint's processor does).</summary>
    public float[] EmbedText(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return EmbedTexts([text], cancellationToken)[0];
    }

    /// <summary>Embeds texts in batches; one embedding per text, in input order.</summary>
    public float[][] EmbedTexts(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        RequireItems(texts, nameof(texts));
        ThrowIfDisposed();
        if (texts.Count == 0) return [];
        var processor = TextProcessor;
        var result = new float[texts.Count][];
        int batchSize = _options.BatchSize;
        for (int start = 0; start < texts.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = new string[Math.Min(batchSize, texts.Count - start)];
            for (int i = 0; i < chunk.Length; i++) chunk[i] = texts[start + i];
            var tokenized = processor.Process(chunk);
            if (!_options.TruncateTexts)
                for (int i = 0; i < tokenized.Items.Count; i++)
                    if (tokenized.Items[i] is { Truncated: true } item)
                        throw new Siglip2Exception(
                            $"text {start + i + 1} (\"{Shorten(item.Text)}\") has {item.TokenCount} tokens, more than the {processor.Settings.ContentCapacity} that fit in {processor.Settings.Length} positions; shorten it or set TruncateTexts");
            cancellationToken.ThrowIfCancellationRequested();
            RunModel(() => _onnx?.EmbedTexts(tokenized, tokenized.BatchSize) ?? _pipeline.EmbedTexts(tokenized)).CopyTo(result, start);
        }
        return result;
    }

    /// <summary>
    /// The text's content tokens before truncation, and how many fit (the length less the EOS position): a text with
    /// <c>Tokens &gt; Capacity</c> is truncated by <see cref="EmbedTexts"/> (or refused without
    /// <see cref="Siglip2EncoderOptions.TruncateTexts"/>).
    /// </summary>
    public (int Tokens, int Capacity) CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ThrowIfDisposed();
        var processor = TextProcessor;
        return (processor.Process([text]).Items[0].TokenCount, processor.Settings.ContentCapacity);
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;

    private SiglipTextProcessor TextProcessor
    {
        get
        {
            if (_textProcessor is { } ready) return ready;
            _ = _pipeline.Model.Text; // a clear error for a checkpoint without a text tower
            lock (_processorGate)
                return _textProcessor ??= _pipeline.TextProcessor; // a failure (no tokenizer) is not cached
        }
    }

    // ---- zero-shot classification -------------------------------------------------------------------------------

    /// <summary>
    /// Zero-shot classification of an image file: each label's sigmoid probability for the prompt
    /// <paramref name="template"/> (with <c>{}</c> replaced by the label), most probable first.
    /// </summary>
    public IReadOnlyList<LabelProbability> Classify(string imagePath, IReadOnlyList<string> labels, string template = DefaultTemplate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imagePath);
        return Classify([imagePath], labels, template, cancellationToken)[0];
    }

    /// <inheritdoc cref="Classify(string, IReadOnlyList{string}, string, CancellationToken)"/>
    public IReadOnlyList<LabelProbability> Classify(Stream image, IReadOnlyList<string> labels, string template = DefaultTemplate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Classify([image], labels, template, cancellationToken)[0];
    }

    /// <inheritdoc cref="Classify(string, IReadOnlyList{string}, string, CancellationToken)"/>
    public IReadOnlyList<LabelProbability> Classify(byte[] encodedImage, IReadOnlyList<string> labels, string template = DefaultTemplate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedImage);
        return Classify(encodedImage.AsMemory(), labels, template, cancellationToken);
    }

    /// <inheritdoc cref="Classify(string, IReadOnlyList{string}, string, CancellationToken)"/>
    public IReadOnlyList<LabelProbability> Classify(ReadOnlyMemory<byte> encodedImage, IReadOnlyList<string> labels, string template = DefaultTemplate, CancellationToken cancellationToken = default) =>
        ClassifyEmbeddings(labels, template, () => EmbedImages([encodedImage], cancellationToken), cancellationToken)[0];

    /// <summary>Zero-shot classification of several image files against the same labels: one sorted list per image, in input order.</summary>
    public IReadOnlyList<IReadOnlyList<LabelProbability>> Classify(IReadOnlyList<string> imagePaths, IReadOnlyList<string> labels, string template = DefaultTemplate, CancellationToken cancellationToken = default)
    {
        RequireItems(imagePaths, nameof(imagePaths));
        return ClassifyEmbeddings(labels, template, () => EmbedImages(imagePaths, cancellationToken), cancellationToken);
    }

    /// <inheritdoc cref="Classify(IReadOnlyList{string}, IReadOnlyList{string}, string, CancellationToken)"/>
    public IReadOnlyList<IReadOnlyList<LabelProbability>> Classify(IReadOnlyList<Stream> images, IReadOnlyList<string> labels, string template = DefaultTemplate, CancellationToken cancellationToken = default)
    {
        RequireItems(images, nameof(images));
        return ClassifyEmbeddings(labels, template, () => EmbedImages(images, cancellationToken), cancellationToken);
    }

    /// <inheritdoc cref="Classify(IReadOnlyList{string}, IReadOnlyList{string}, string, CancellationToken)"/>
    public IReadOnlyList<IReadOnlyList<LabelProbability>> Classify(IReadOnlyList<byte[]> encodedImages, IReadOnlyList<string> labels, string template = DefaultTemplate, CancellationToken cancellationToken = default)
    {
        RequireItems(encodedImages, nameof(encodedImages));
        return ClassifyEmbeddings(labels, template, () => EmbedImages(encodedImages, cancellationToken), cancellationToken);
    }

    /// <inheritdoc cref="Classify(IReadOnlyList{string}, IReadOnlyList{string}, string, CancellationToken)"/>
    public IReadOnlyList<IReadOnlyList<LabelProbability>> Classify(IReadOnlyList<ReadOnlyMemory<byte>> encodedImages, IReadOnlyList<string> labels, string template = DefaultTemplate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedImages);
        return ClassifyEmbeddings(labels, template, () => EmbedImages(encodedImages, cancellationToken), cancellationToken);
    }

    private IReadOnlyList<IReadOnlyList<LabelProbability>> ClassifyEmbeddings(IReadOnlyList<string> labels, string template, Func<float[][]> embedImages, CancellationToken cancellationToken)
    {
        var prompts = Prompts(labels, template);
        // the texts first: a missing tokenizer or a bad label fails before any image is decoded
        var textEmbeds = EmbedTexts(prompts, cancellationToken);
        var imageEmbeds = embedImages();
        var scores = Score(imageEmbeds, textEmbeds, cancellationToken);
        var result = new IReadOnlyList<LabelProbability>[scores.Length];
        for (int i = 0; i < scores.Length; i++)
            result[i] = scores[i].Select((s, j) => new LabelProbability(labels[j], s.Probability, s.Logit))
                .OrderByDescending(l => l.Probability).ToArray(); // stable: equal probabilities keep the label order
        return result;
    }

    private static string[] Prompts(IReadOnlyList<string> labels, string template)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(template);
        if (labels.Count == 0) throw new Siglip2Exception("no labels to classify with: give at least one label, e.g. [\"cat\", \"dog\"]");
        if (!template.Contains("{}", StringComparison.Ordinal))
            throw new Siglip2Exception($"the template must contain {{}} where the label goes, got '{Shorten(template)}'");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var prompts = new string[labels.Count];
        for (int i = 0; i < labels.Count; i++)
        {
            string label = labels[i] ?? throw new ArgumentNullException(nameof(labels), $"label {i + 1} is null");
            if (string.IsNullOrWhiteSpace(label)) throw new Siglip2Exception($"label {i + 1} is empty; give a word or phrase for every label");
            if (!seen.Add(label)) throw new Siglip2Exception($"label '{Shorten(label)}' is given twice");
            prompts[i] = template.Replace("{}", label, StringComparison.Ordinal);
        }
        return prompts;
    }

    // ---- image–text scores --------------------------------------------------------------------------------------

    /// <summary>The model's score of one image embedding against one text embedding (both from this encoder).</summary>
    public ImageTextScore Score(float[] imageEmbedding, float[] textEmbedding, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imageEmbedding);
        ArgumentNullException.ThrowIfNull(textEmbedding);
        return Score([imageEmbedding], [textEmbedding], cancellationToken)[0][0];
    }

    /// <summary>
    /// Scores every image embedding against every text embedding: <c>result[i][t]</c> holds the logit
    /// exp(logit_scale)·⟨image i, text t⟩ + logit_bias and its sigmoid (the model's <c>logits_per_image</c>).
    /// </summary>
    public ImageTextScore[][] Score(IReadOnlyList<float[]> imageEmbeddings, IReadOnlyList<float[]> textEmbeddings, CancellationToken cancellationToken = default)
    {
        int images = RequireEmbeddings(imageEmbeddings, nameof(imageEmbeddings), "image");
        int texts = RequireEmbeddings(textEmbeddings, nameof(textEmbeddings), "text");
        if (images == 0 || texts == 0) return Enumerable.Range(0, images).Select(_ => Array.Empty<ImageTextScore>()).ToArray();
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        float[] logits, probabilities;
        lock (_modelGate)
        {
            ThrowIfDisposed();
            using var scope = NewDisposeScope();
            using var _ = torch.inference_mode();
            // clone(): torch.tensor wraps the managed array, and MKL's sgemm rounds differently with the data's
            // alignment; in libtorch's own (aligned) memory the same inputs always give the same bits
            var image = torch.tensor(Flatten(imageEmbeddings), [images, Dimensions], dtype: ScalarType.Float32).clone();
            var text = torch.tensor(Flatten(textEmbeddings), [texts, Dimensions], dtype: ScalarType.Float32).clone();
            var (_, perImage) = _pipeline.Model.Logits(image, text);
            logits = perImage.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
            probabilities = _pipeline.Probabilities(image, text).contiguous().data<float>().ToArray();
        }
        var result = new ImageTextScore[images][];
        for (int i = 0; i < images; i++)
        {
            result[i] = new ImageTextScore[texts];
            for (int t = 0; t < texts; t++) result[i][t] = new ImageTextScore(logits[i * texts + t], probabilities[i * texts + t]);
        }
        return result;
    }

    private int RequireEmbeddings(IReadOnlyList<float[]> embeddings, string parameter, string what)
    {
        ArgumentNullException.ThrowIfNull(embeddings, parameter);
        for (int i = 0; i < embeddings.Count; i++)
        {
            var e = embeddings[i] ?? throw new ArgumentNullException(parameter, $"{what} embedding {i + 1} is null");
            if (e.Length != Dimensions)
                throw new Siglip2Exception($"{what} embedding {i + 1} has {e.Length} values, but {ModelId} embeds into {Dimensions}; score embeddings made by the same model");
        }
        return embeddings.Count;
    }

    private static float[] Flatten(IReadOnlyList<float[]> rows)
    {
        int d = rows[0].Length;
        var flat = new float[rows.Count * d];
        for (int i = 0; i < rows.Count; i++) rows[i].CopyTo(flat, i * d);
        return flat;
    }

    // ---- plumbing -----------------------------------------------------------------------------------------------

    /// <summary>Runs one forward pass under the model lock and copies its (n, D) float32 result out as rows.</summary>
    private float[][] RunModel(Func<Tensor> forward)
    {
        lock (_modelGate)
        {
            ThrowIfDisposed();
            using var scope = NewDisposeScope();
            var embeds = forward().contiguous();
            int n = (int)embeds.shape[0], d = (int)embeds.shape[1];
            var flat = embeds.data<float>().ToArray();
            var rows = new float[n][];
            for (int i = 0; i < n; i++) rows[i] = flat.AsSpan(i * d, d).ToArray();
            return rows;
        }
    }

    private static void RequireItems<T>(IReadOnlyList<T> items, string parameter) where T : class
    {
        ArgumentNullException.ThrowIfNull(items, parameter);
        for (int i = 0; i < items.Count; i++)
            if (items[i] is null) throw new ArgumentNullException(parameter, $"item {i + 1} of {parameter} is null");
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Frees the model's memory; waits for a forward pass in progress. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_modelGate)
        {
            if (_disposed) return;
            _disposed = true;
            _onnx?.Dispose();
            _pipeline.Dispose();
        }
    }
}
