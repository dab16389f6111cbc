using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Siglip2.Modeling;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using static TorchSharp.torch;

namespace Siglip2.Onnx;

/// <summary>
/// The ONNX Runtime backend: a checkpoint's towers exported to ONNX graphs (fp32, or int8 quantised on load) kept in
/// a cache folder under a key of the checkpoint's files and the precision, so a later run opens them without exporting
/// again, then run by one ORT session per tower (<see cref="OnnxSessionFactory"/>), created on first use and kept for
/// the embedder's lifetime. Takes the same preprocessed batches as the torch pipeline and returns the same (B, D)
/// L2-normalised float32 embeddings.
/// </summary>
public sealed class OnnxEmbedder : IDisposable
{
    /// <summary>Changes whenever the exported graphs change, so older cached graphs are not reused.</summary>
    public const string GraphVersion = "siglip2-net-onnx-1";

    private readonly Siglip2Model _model;
    private readonly int? _threads;
    private readonly object _gate = new();
    private InferenceSession? _vision, _text;

    public OnnxPrecision Precision { get; }

    /// <summary>The folder of this checkpoint's cached graphs.</summary>
    public string GraphFolder { get; }

    /// <param name="cacheRoot">the cache folder; the graphs go to a sub-folder named by the checkpoint's key.</param>
    public OnnxEmbedder(Siglip2Model model, string checkpointFolder, OnnxPrecision precision, string cacheRoot, int? threads = null)
    {
        _model = model;
        _threads = threads;
        Precision = precision;
        GraphFolder = Path.Combine(cacheRoot, CacheKey(checkpointFolder, precision));
    }

    /// <summary>The default cache folder: $SIGLIP2_ONNX_CACHE, else $XDG_CACHE_HOME/siglip2/onnx, else ~/.cache/siglip2/onnx.</summary>
    public static string DefaultCacheRoot()
    {
        if (Environment.GetEnvironmentVariable("SIGLIP2_ONNX_CACHE") is { Length: > 0 } explicitRoot) return explicitRoot;
        string xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x
            ? x : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(xdg, "siglip2", "onnx");
    }

    /// <summary>SHA-256 of the graph version, the precision, config.json and every weight file's name, size and time.</summary>
    public static string CacheKey(string checkpointFolder, OnnxPrecision precision)
    {
        var text = new StringBuilder(GraphVersion).Append('\n').Append(OnnxTowerExport.PrecisionName(precision)).Append('\n');
        string config = Path.Combine(checkpointFolder, "config.json");
        if (File.Exists(config)) text.Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(config)))).Append('\n');
        foreach (var file in Directory.EnumerateFiles(checkpointFolder, "*.safetensors").Order(StringComparer.Ordinal))
        {
            // a Hub snapshot's weight file is a symlink to its blob: key the blob
            var info = new FileInfo(file);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) info = target;
            text.Append(info.Name).Append(' ').Append(info.Length).Append(' ').Append(info.LastWriteTimeUtc.Ticks).Append('\n');
        }
        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))).ToLowerInvariant();
        return $"{hash[..16]}-{OnnxTowerExport.PrecisionName(precision)}";
    }

    /// <summary>
    /// The session of a tower (opened, and its graph exported, on first use), owned by the embedder: for measuring the
    /// bare session against <see cref="EmbedImages"/> / <see cref="EmbedTexts"/> on the same graph and thread pool.
    /// </summary>
    public InferenceSession TowerSession(bool vision) => Session(vision);

    private InferenceSession Session(bool vision)
    {
        lock (_gate)
        {
            if (vision && _vision is not null) return _vision;
            if (!vision && _text is not null) return _text;
            string path = Path.Combine(GraphFolder, vision ? "vision_model.onnx" : "text_model.onnx");
            if (!File.Exists(path))
            {
                var options = new OnnxExportOptions { Precision = Precision };
                if (vision) OnnxTowerExport.WriteVision(_model.Vision, path, options);
                else OnnxTowerExport.WriteText(_model.Text, path, options);
            }
            var session = OnnxSessionFactory.Open(path, _threads);
            if (vision) _vision = session; else _text = session;
            return session;
        }
    }

    /// <summary>(B, D) L2-normalised float32 image embeddings of one preprocessed batch.</summary>
    public Tensor EmbedImages(ImageBatch batch)
    {
        var vision = _model.Vision.Config;
        if (batch.IsNaFlex != vision.IsNaflex)
            throw new Siglip2Exception($"this is a {(vision.IsNaflex ? "NaFlex" : "fixed-resolution")} image tower; the batch is {(batch.IsNaFlex ? "NaFlex" : "fixed-resolution")}");
        var inputs = new Dictionary<string, OrtValue>();
        try
        {
            inputs["pixel_values"] = OrtValue.CreateTensorValueFromMemory(batch.PixelValues, batch.PixelValuesShape);
            if (batch.IsNaFlex)
            {
                long n = batch.PixelValuesShape[1];
                var shapes = batch.SpatialShapes!;
                for (int i = 0; i < batch.BatchSize; i++)
                    if (shapes[2 * i] < 1 || shapes[2 * i + 1] < 1 || shapes[2 * i] * shapes[2 * i + 1] > n)
                        throw new Siglip2Exception($"spatial_shapes[{i}] = ({shapes[2 * i]}, {shapes[2 * i + 1]}) does not fit max_num_patches {n}");
                inputs["pixel_attention_mask"] = OrtValue.CreateTensorValueFromMemory(batch.PixelAttentionMask!.Select(v => (long)v).ToArray(), [batch.BatchSize, n]);
                inputs["spatial_shapes"] = OrtValue.CreateTensorValueFromMemory(shapes, [batch.BatchSize, 2]);
            }
            return Run(Session(vision: true), inputs, "image_embeds");
        }
        finally
        {
            foreach (var v in inputs.Values) v.Dispose();
        }
    }

    /// <summary>Embeds image files in batches of <paramref name="batchSize"/>, in input order.</summary>
    public Tensor EmbedImageFiles(IImageProcessor processor, IReadOnlyList<string> paths, int batchSize, ImageDecodeOptions? decode = null, IProgress<int>? progress = null)
    {
        if (paths.Count == 0) throw new Siglip2Exception("no images to embed");
        var parts = new List<Tensor>();
        try
        {
            for (int start = 0; start < paths.Count; start += batchSize)
            {
                var chunk = paths.Skip(start).Take(batchSize).ToList();
                parts.Add(EmbedImages(processor.PreprocessFiles(chunk, decode)));
                progress?.Report(start + chunk.Count);
            }
            return cat(parts, 0);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    /// <summary>(T, D) L2-normalised float32 text embeddings, in batches of <paramref name="batchSize"/>.</summary>
    public Tensor EmbedTexts(TokenizedTextBatch texts, int batchSize)
    {
        int vocab = _model.Text.Config.VocabSize;
        foreach (long id in texts.Ids)
            if (id < 0 || id >= vocab)
                throw new Siglip2Exception($"token id {id} is outside this text tower's vocabulary of {vocab} (does the tokenizer belong to this checkpoint?)");
        var parts = new List<Tensor>();
        try
        {
            for (int start = 0; start < texts.BatchSize; start += batchSize)
            {
                int n = Math.Min(batchSize, texts.BatchSize - start);
                var ids = texts.Ids.AsSpan(start * texts.Length, n * texts.Length).ToArray();
                using var input = OrtValue.CreateTensorValueFromMemory(ids, [n, texts.Length]);
                parts.Add(Run(Session(vision: false), new Dictionary<string, OrtValue> { ["input_ids"] = input }, "text_embeds"));
            }
            return cat(parts, 0);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    private static Tensor Run(InferenceSession session, IReadOnlyDictionary<string, OrtValue> inputs, string output)
    {
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, inputs, [output]);
        var value = results[0];
        var shape = value.GetTensorTypeAndShape().Shape;
        var data = value.GetTensorDataAsSpan<float>().ToArray();
        foreach (float v in data)
            if (!float.IsFinite(v)) throw new Siglip2Exception($"the ONNX graph produced a non-finite {output} value (are the weights finite?)");
        return tensor(data, shape, ScalarType.Float32);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _vision?.Dispose();
            _text?.Dispose();
            _vision = _text = null;
        }
    }
}
