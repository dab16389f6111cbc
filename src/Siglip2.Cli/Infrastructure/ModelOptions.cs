using Siglip2.Hub;
using Siglip2.Modeling;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using Siglip2.Tasks;
using static TorchSharp.torch;

namespace Siglip2.Cli.Infrastructure;

/// <summary>Options shared by the commands that run a checkpoint.</summary>
public static class ModelOptions
{
    public static readonly string[] ValueOptions = ["--model", "--batch-size", "--dtype", "--attention", "--max-patches", .. TextOptions.ValueOptions];
    public static readonly string[] FlagOptions = ["--json", "--no-exif", .. TextOptions.FlagOptions];

    public const string Help = """
          --model M         a checkpoint folder (config.json, model.safetensors,
                            preprocessor_config.json, tokenizer.json or tokenizer.model) or a
                            Hugging Face Hub id org/name[@revision], downloaded into the HF cache
          --batch-size N    images/texts per forward pass (default 8)
          --dtype T         fp32 (default) or bf16 weights and activations
          --attention IMPL  auto (default), sdpa or eager
          --max-patches N   NaFlex only: override max_num_patches (e.g. 1024 for documents)
          --no-exif         do not apply the EXIF orientation of photos
        """;

    private static readonly Dictionary<string, ScalarType> DTypes = new() { ["fp32"] = ScalarType.Float32, ["bf16"] = ScalarType.BFloat16 };

    /// <summary>The checkpoint folder of --model: a folder, or a Hub id org/name[@rev] downloaded into the Hugging Face cache.</summary>
    public static string ResolveFolder(ParsedArguments a, string what = "a checkpoint folder or Hub id") =>
        ModelLocator.Resolve(a.Required("--model", what), progress: new DownloadProgress());

    public static EmbeddingPipeline Load(ParsedArguments a)
    {
        string folder = ResolveFolder(a);
        var options = new EmbeddingPipelineOptions
        {
            BatchSize = a.Int("--batch-size", 8, 1, 4096),
            DType = a.Choice("--dtype", DTypes, ScalarType.Float32),
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
