using Siglip2.Hub;
using Siglip2.Modeling;
using Siglip2.Onnx;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using Siglip2.Tasks;
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
          --dtype T         fp32 (default) or bf16 weights and activations; with --backend onnx:
                            fp32 or int8 (dynamic u8 x s8 quantisation of the linear layers)
          --backend B       torch (default, TorchSharp) or onnx (ONNX Runtime; embed, classify, index; the
                            graphs are exported on first use, cached in ~/.cache/siglip2/onnx or
                            $SIGLIP2_ONNX_CACHE)
          --attention IMPL  auto (default), sdpa or eager
          --max-patches N   NaFlex only: override max_num_patches (e.g. 1024 for documents)
          --no-exif         do not apply the EXIF orientation of photos
        """;

    private static readonly Dictionary<string, ScalarType> DTypes = new() { ["fp32"] = ScalarType.Float32, ["bf16"] = ScalarType.BFloat16 };

    /// <summary>The checkpoint folder of --model: a folder, or a Hub id org/name[@rev] downloaded into the Hugging Face cache.</summary>
    public static string ResolveFolder(ParsedArguments a, string what = "a checkpoint folder or Hub id") =>
        ModelLocator.Resolve(a.Required("--model", what), progress: new DownloadProgress());

    private static readonly Dictionary<string, OnnxPrecision> OnnxDTypes = new() { ["fp32"] = OnnxPrecision.Float32, ["int8"] = OnnxPrecision.Int8 };

    /// <summary>Whether --backend onnx was given (--backend torch|onnx).</summary>
    public static bool UsesOnnx(ParsedArguments a) =>
        a.Choice("--backend", new Dictionary<string, bool> { ["torch"] = false, ["onnx"] = true }, false);

    /// <summary>
    /// The ONNX Runtime embedder of --backend onnx over the pipeline's (fp32) model, or null for the torch backend.
    /// --dtype fp32|int8 picks the graphs' precision.
    /// </summary>
    public static OnnxEmbedder? LoadOnnx(ParsedArguments a, EmbeddingPipeline pipeline) =>
        UsesOnnx(a) ? new OnnxEmbedder(pipeline.Model, pipeline.Folder, a.Choice("--dtype", OnnxDTypes, OnnxPrecision.Float32), OnnxEmbedder.DefaultCacheRoot()) : null;

    /// <summary>--backend and --dtype as a <see cref="Siglip2Encoder"/>'s backend and precision (serve).</summary>
    public static (Siglip2Backend Backend, Siglip2Precision Precision) EncoderPath(ParsedArguments a)
    {
        bool onnx = UsesOnnx(a);
        if (!onnx && a.Optional("--dtype") == "int8")
            throw new UsageException("--dtype int8 needs --backend onnx (TorchSharp has no int8 matrix products)");
        var choices = onnx
            ? new Dictionary<string, Siglip2Precision> { ["fp32"] = Siglip2Precision.Float32, ["int8"] = Siglip2Precision.Int8 }
            : new Dictionary<string, Siglip2Precision> { ["fp32"] = Siglip2Precision.Float32, ["bf16"] = Siglip2Precision.BFloat16 };
        return (onnx ? Siglip2Backend.Onnx : Siglip2Backend.Torch, a.Choice("--dtype", choices, Siglip2Precision.Float32));
    }

    /// <summary>"torch fp32", "onnx int8", …</summary>
    public static string PathName(Siglip2Backend backend, Siglip2Precision precision) =>
        $"{(backend == Siglip2Backend.Onnx ? "onnx" : "torch")} {precision switch { Siglip2Precision.BFloat16 => "bf16", Siglip2Precision.Int8 => "int8", _ => "fp32" }}";

    /// <param name="onnxBackend">whether the command runs --backend onnx (through <see cref="LoadOnnx"/>); others refuse it.</param>
    public static EmbeddingPipeline Load(ParsedArguments a, bool onnxBackend = false)
    {
        bool onnx = UsesOnnx(a);
        if (onnx && !onnxBackend)
            throw new UsageException("--backend onnx is available for embed, classify and index; this command runs on torch (drop --backend)");
        string folder = ResolveFolder(a);
        if (!onnx && a.Optional("--dtype") == "int8")
            throw new UsageException("--dtype int8 needs --backend onnx (TorchSharp has no int8 matrix products)");
        var dtype = ScalarType.Float32; // the onnx backend exports its graphs from the fp32 weights
        if (onnx) a.Choice("--dtype", OnnxDTypes, OnnxPrecision.Float32); // fp32 or int8 (LoadOnnx uses it)
        else dtype = a.Choice("--dtype", DTypes, ScalarType.Float32);
        var options = new EmbeddingPipelineOptions
        {
            BatchSize = a.Int("--batch-size", 8, 1, 4096),
            DType = dtype,
            Attention = a.Choice("--attention", Commands.VerifyCommand.AttentionChoices, AttentionImplementation.Auto),
            MaxNumPatches = a.Optional("--max-patches") is null ? null : a.Int("--max-patches", 256, 1, 65536),
            Decode = new ImageDecodeOptions { ApplyExifOrientation = !a.Flag("--no-exif") },
            Text = new SiglipTextOptions
            {
                Lowercase = a.Choice("--lowercase", new Dictionary<string, LowercaseMode> { ["ascii"] = LowercaseMode.Ascii, ["unicode"] = LowercaseMode.Unicode, ["none"] = LowercaseMode.None }, LowercaseMode.Ascii),
                Length = a.Optional("--length") is null ? null : a.Int("--length", 64, 2, 100_000),
            },
        };
        return EmbeddingPipeline.Load(folder, options);
    }
}
