using Siglip2.Hub;
using Siglip2.Modeling;
using Siglip2.Onnx;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using Siglip2.Tasks;
using Siglip2.Tasks.Benchmarking;
using static TorchSharp.torch;

namespace Siglip2.Cli.Infrastructure;

/// <summary>Options shared by the commands that run a checkpoint.</summary>
public static class ModelOptions
{
    public static readonly string[] ValueOptions = ["--model", "--batch-size", "--dtype", "--backend", "--attention", "--max-patches", .. TextOptions.ValueOptions];
    public static readonly string[] FlagOptions = ["--json", "--no-exif", .. TextOptions.FlagOptions];

    public const string Help = """
          --model M         a checkpoint folder (config.json, model.safetensors,
                            preprocessor_config.json, tokenizer.json or tokenizer.model) or a
                            Hugging Face Hub id org/name[@revision], downloaded into the HF cache
          --batch-size N    images/texts per forward pass (default 8)
          --dtype T         auto (default; $SIGLIP2_DTYPE overrides): the fastest of torch fp32/bf16 and
                            onnx fp32/int8 on this machine, from a short calibration cached in
                            ~/.cache/siglip2/auto, never slower than torch fp32, bf16/int8 only if their
                            cosine to fp32 is >= 0.99; or fp32, bf16 (torch), int8 (onnx)
          --backend B       torch (TorchSharp) or onnx (ONNX Runtime; the graphs are exported on first use,
                            cached in ~/.cache/siglip2/onnx or $SIGLIP2_ONNX_CACHE); with --dtype auto,
                            limits the choice to that backend
          --attention IMPL  auto (default), sdpa or eager
          --max-patches N   NaFlex only: override max_num_patches (e.g. 1024 for documents)
          --no-exif         do not apply the EXIF orientation of photos
        """;

    private static readonly Dictionary<string, ScalarType> DTypes = new() { ["fp32"] = ScalarType.Float32, ["bf16"] = ScalarType.BFloat16 };

    /// <summary>The checkpoint folder of --model: a folder, or a Hub id org/name[@rev] downloaded into the Hugging Face cache.</summary>
    public static string ResolveFolder(ParsedArguments a, string what = "a checkpoint folder or Hub id") =>
        ModelLocator.Resolve(a.Required("--model", what), progress: new DownloadProgress());

    /// <summary>Whether --backend onnx was given (--backend torch|onnx).</summary>
    public static bool UsesOnnx(ParsedArguments a) =>
        a.Choice("--backend", new Dictionary<string, bool> { ["torch"] = false, ["onnx"] = true }, false);

    /// <summary>The default of --dtype for the inference commands: $SIGLIP2_DTYPE (fp32, bf16, int8 or auto), else auto.</summary>
    public static string DefaultInferenceDType =>
        Environment.GetEnvironmentVariable("SIGLIP2_DTYPE") is { Length: > 0 } v ? v : "auto";

    /// <summary>
    /// The path (backend and precision) of an inference command: --backend and --dtype as given, or for --dtype auto
    /// (the default) the one <see cref="AutoPath"/> chooses for <paramref name="towers"/> on this machine, with its
    /// one-line note on stderr.
    /// </summary>
    public static InferencePath ResolvePath(ParsedArguments a, string folder, IReadOnlyList<string> towers, int batchSize, EmbeddingPipelineOptions? options = null)
    {
        string? backendText = a.Optional("--backend");
        bool onnx = UsesOnnx(a);
        string dtype = a.Optional("--dtype") ?? DefaultInferenceDType;
        if (dtype == "auto")
        {
            IReadOnlyList<InferencePath> candidates = backendText is null ? InferencePath.All
                : InferencePath.All.Where(p => (p.Backend == Siglip2Backend.Onnx) == onnx).ToList();
            if (towers.Count == 0) return onnx ? InferencePath.OnnxFloat32 : InferencePath.TorchFloat32;
            var cache = new AutoPathCache(AutoPathCache.DefaultRoot());
            var progress = Console.IsErrorRedirected ? null : new InlineProgress();
            var resolution = AutoPath.Resolve(folder, towers, batchSize, candidates, options, cache: cache, progress: progress);
            progress?.Clear();
            Output.Note(resolution.Choice.Note(resolution.Cached));
            return resolution.Choice.Path;
        }
        if (onnx)
            return dtype switch
            {
                "fp32" => InferencePath.OnnxFloat32,
                "int8" => InferencePath.OnnxInt8,
                _ => throw new UsageException($"--dtype must be one of auto, fp32, int8 with --backend onnx, got '{dtype}'"),
            };
        return dtype switch
        {
            "fp32" => InferencePath.TorchFloat32,
            "bf16" => InferencePath.TorchBFloat16,
            "int8" => throw new UsageException("--dtype int8 needs --backend onnx (TorchSharp has no int8 matrix products)"),
            _ => throw new UsageException($"--dtype must be one of auto, fp32, bf16, int8, got '{dtype}'"),
        };
    }

    /// <summary>Calibration progress on one stderr line, overwritten (an interactive terminal only).</summary>
    private sealed class InlineProgress : IProgress<string>
    {
        private bool _written;

        public void Report(string value)
        {
            Console.Error.Write($"\rsiglip2: --dtype auto: {value} (once per machine and model)…".PadRight(110) + "\r");
            _written = true;
        }

        public void Clear()
        {
            if (_written) Console.Error.Write("\r" + new string(' ', 110) + "\r");
        }
    }

    /// <summary>--backend and --dtype as a <see cref="Siglip2Encoder"/>'s backend and precision (serve: both towers).</summary>
    public static (Siglip2Backend Backend, Siglip2Precision Precision) EncoderPath(ParsedArguments a, string folder, int batchSize, IReadOnlyList<string> towers)
    {
        var path = ResolvePath(a, folder, towers, batchSize);
        return (path.Backend, path.Precision);
    }

    /// <summary>"torch fp32", "onnx int8", …</summary>
    public static string PathName(Siglip2Backend backend, Siglip2Precision precision) => new InferencePath(backend, precision).ToString();

    /// <summary>
    /// The pipeline of an inference command (embed, classify, index) on the path of --backend/--dtype
    /// (<see cref="ResolvePath"/>), and with an onnx path its ONNX Runtime embedder over the pipeline's fp32 model.
    /// </summary>
    public static EmbeddingPipeline LoadInference(ParsedArguments a, IReadOnlyList<string> towers, out OnnxEmbedder? onnx)
    {
        string folder = ResolveFolder(a);
        var options = PipelineOptions(a);
        var path = ResolvePath(a, folder, towers, options.BatchSize, options);
        var pipeline = EmbeddingPipeline.Load(folder, options with { DType = path.Precision == Siglip2Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32 });
        onnx = path.Backend == Siglip2Backend.Onnx
            ? new OnnxEmbedder(pipeline.Model, pipeline.Folder, path.Precision == Siglip2Precision.Int8 ? OnnxPrecision.Int8 : OnnxPrecision.Float32, OnnxEmbedder.DefaultCacheRoot())
            : null;
        return pipeline;
    }

    /// <summary>The pipeline of a command that runs on torch only (search, standard-eval): --dtype fp32 (default) or bf16.</summary>
    public static EmbeddingPipeline Load(ParsedArguments a)
    {
        if (UsesOnnx(a))
            throw new UsageException("--backend onnx is available for embed, classify, index and serve; this command runs on torch (drop --backend)");
        string folder = ResolveFolder(a);
        if (a.Optional("--dtype") == "int8")
            throw new UsageException("--dtype int8 needs --backend onnx (TorchSharp has no int8 matrix products)");
        var dtype = a.Choice("--dtype", DTypes, ScalarType.Float32);
        return EmbeddingPipeline.Load(folder, PipelineOptions(a) with { DType = dtype });
    }

    private static EmbeddingPipelineOptions PipelineOptions(ParsedArguments a) => new()
    {
        BatchSize = a.Int("--batch-size", 8, 1, 4096),
        DType = ScalarType.Float32,
        Attention = a.Choice("--attention", Commands.VerifyCommand.AttentionChoices, AttentionImplementation.Auto),
        MaxNumPatches = a.Optional("--max-patches") is null ? null : a.Int("--max-patches", 256, 1, 65536),
        Decode = new ImageDecodeOptions { ApplyExifOrientation = !a.Flag("--no-exif") },
        Text = new SiglipTextOptions
        {
            Lowercase = a.Choice("--lowercase", new Dictionary<string, LowercaseMode> { ["ascii"] = LowercaseMode.Ascii, ["unicode"] = LowercaseMode.Unicode, ["none"] = LowercaseMode.None }, LowercaseMode.Ascii),
            Length = a.Optional("--length") is null ? null : a.Int("--length", 64, 2, 100_000),
        },
    };
}
