using System.Text;
using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;

namespace Siglip2.Fuzz;

/// <summary>How one input fared: parsed, or refused with a clean <see cref="Siglip2Exception"/>.</summary>
public enum FuzzOutcome { Accepted, Refused }

/// <summary>One parser that faces untrusted bytes, and what a correct parser may do with any input.</summary>
public sealed record FuzzTarget(string Name, string Description, Action<byte[]> Parse);

/// <summary>
/// The fuzz targets: each takes arbitrary bytes and must either accept them or throw <see cref="Siglip2Exception"/>
/// (a clean one-line error for the user). Any other exception, a crash or a hang is a finding. The same targets run
/// under afl++ (SharpFuzz), in the in-process mutation loop, and in the test suite's corpus replay.
/// </summary>
public static class FuzzTargets
{
    /// <summary>
    /// A lower pixel cap than the default (178 M) while fuzzing: a header claiming 10⁸ pixels is legal and would cost
    /// 400 MB per execution; the cap itself is tested by the unit tests.
    /// </summary>
    /// (In a nested class so that listing the targets runs no library code: under afl, instrumented code must not run
    /// before the fork server starts.)
    private static class Limits
    {
        public static readonly ImageDecodeOptions Decode = new() { MaxPixels = 16_000_000 };
    }

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("image", "image decoding (JPEG, PNG, WebP, BMP, GIF; EXIF orientation)",
            data => ImageDecoder.Decode(data, "fuzz.img", Limits.Decode)),
        new("safetensors", "a whole safetensors file: header JSON, dtypes, shapes, offsets, tiling",
            data => SafeTensorsHeader.Parse(data, "fuzz.safetensors")),
        new("config", "config.json (both layouts) and its bounds",
            data => Siglip2Config.Parse(InputFile.DecodeUtf8(data, "config.json", "config.json"), "config.json")),
        new("preprocessor-config", "preprocessor_config.json, then building its image processor",
            data => ImageProcessorFactory.Create(PreprocessorConfig.Parse(InputFile.DecodeUtf8(data, "preprocessor_config.json", "preprocessor config"), "preprocessor_config.json"))),
        new("tokenizer-model", "tokenizer.model (SentencePiece protobuf), then encoding and decoding a text",
            data => Exercise(new SentencePieceBpeTokenizer(SentencePieceModel.Parse(data, "tokenizer.model")))),
        new("tokenizer-json", "tokenizer.json (Hugging Face), then encoding and decoding a text",
            data => Exercise(HuggingFaceBpeTokenizer.Parse(data, "tokenizer.json"))),
        new("tokenizer-config", "tokenizer_config.json",
            data => TokenizerConfig.Parse(InputFile.DecodeUtf8(data, "tokenizer_config.json", "tokenizer_config.json"), "tokenizer_config.json")),
    ];

    public static FuzzTarget Get(string name) =>
        All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"no fuzz target '{name}'; the targets are: {string.Join(", ", All.Select(t => t.Name))}");

    /// <summary>Runs <paramref name="target"/> on <paramref name="data"/>; anything but a clean refusal propagates.</summary>
    public static FuzzOutcome Run(FuzzTarget target, byte[] data)
    {
        try
        {
            target.Parse(data);
            return FuzzOutcome.Accepted;
        }
        catch (Siglip2Exception e)
        {
            // a refusal must still be one line: it is printed to users as is
            if (e.Message.Contains('\n')) throw new InvalidOperationException($"a multi-line error message: {e.Message}", e);
            return FuzzOutcome.Refused;
        }
    }

    private static readonly string[] Texts = ["a photo of a cat", "", "  ", "Ünïcödé 日本語 🙂", "<eos><pad>\u2581x", "\u0000\uFFFD"];

    /// <summary>A tokenizer that loads must also tokenize: every id it returns names a piece, and decoding works.</summary>
    private static void Exercise(ITextTokenizer tokenizer)
    {
        foreach (string text in Texts)
        {
            int[] ids = tokenizer.Encode(text);
            foreach (int id in ids)
                if (id < 0 || id >= tokenizer.VocabularySize)
                    throw new InvalidOperationException($"Encode('{text}') returned id {id} outside 0…{tokenizer.VocabularySize - 1}");
            tokenizer.Decode(ids);
        }
    }

    internal static string Show(byte[] data) => data.Length <= 64 ? Convert.ToHexString(data) : Convert.ToHexString(data, 0, 64) + "…";

    internal static readonly Encoding Utf8 = new UTF8Encoding(false);
}
