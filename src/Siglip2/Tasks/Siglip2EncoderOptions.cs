using Siglip2.Processing.Images;
using Siglip2.Processing.Text;

namespace Siglip2.Tasks;

/// <summary>
/// Settings of a <see cref="Siglip2Encoder"/>. The defaults reproduce the checkpoint's own processors (Hugging Face's
/// <c>AutoProcessor</c>), so the embeddings equal those of <c>transformers</c>. The encoder copies the options when it
/// is loaded: changing them afterwards has no effect on it.
/// </summary>
public sealed class Siglip2EncoderOptions
{
    /// <summary>
    /// The name the encoder reports as <see cref="Siglip2Encoder.ModelId"/> (and the embedding generators as their model
    /// id), e.g. the Hugging Face id the folder was downloaded from; null = the checkpoint folder's name.
    /// </summary>
    public string? ModelId { get; set; }

    /// <summary>Images or texts sent through the model at once (default 8); larger inputs are split, in order.</summary>
    public int BatchSize { get; set; } = 8;

    /// <summary>Text row length in tokens; null = the checkpoint's (config.json text_config.max_position_embeddings, 64 for SigLIP 2).</summary>
    public int? TextLength { get; set; }

    /// <summary>Lowercasing before tokenizing (default ASCII only, SigLIP 2's training-time rule).</summary>
    public LowercaseMode Lowercase { get; set; } = LowercaseMode.Ascii;

    /// <summary>
    /// Keep the first tokens (and EOS) of a text longer than the row, as the reference processor does (default true);
    /// false makes such a text an error.
    /// </summary>
    public bool TruncateTexts { get; set; } = true;

    /// <summary>NaFlex checkpoints only: overrides preprocessor_config.json's max_num_patches (the image sequence length).</summary>
    public int? MaxNumPatches { get; set; }

    /// <summary>Rotate/flip photos as their EXIF orientation says (default true; Hugging Face's processors do not).</summary>
    public bool ApplyExifOrientation { get; set; } = true;

    /// <summary>Largest width × height of an image accepted, checked from its header before decoding (decompression bombs).</summary>
    public long MaxImagePixels { get; set; } = ImageDecodeOptions.DefaultMaxPixels;

    /// <summary>What runs the towers (default <see cref="Siglip2Backend.Torch"/>); outputs agree within the precision's tolerance.</summary>
    public Siglip2Backend Backend { get; set; } = Siglip2Backend.Torch;

    /// <summary>
    /// The number format (default float32): torch takes <see cref="Siglip2Precision.Float32"/> or
    /// <see cref="Siglip2Precision.BFloat16"/>, onnx <see cref="Siglip2Precision.Float32"/> or <see cref="Siglip2Precision.Int8"/>.
    /// </summary>
    public Siglip2Precision Precision { get; set; } = Siglip2Precision.Float32;

    /// <summary>Onnx backend: the folder of the cached graphs; null = <see cref="Onnx.OnnxEmbedder.DefaultCacheRoot"/>.</summary>
    public string? OnnxCacheFolder { get; set; }

    /// <summary>Onnx backend: ONNX Runtime's intra-op threads; null = the machine's cores.</summary>
    public int? OnnxThreads { get; set; }

    internal Siglip2EncoderOptions Copy() => (Siglip2EncoderOptions)MemberwiseClone();

    internal void Validate()
    {
        if (BatchSize < 1) throw new Siglip2Exception($"Siglip2EncoderOptions.BatchSize must be at least 1, got {BatchSize}");
        if (TextLength is int length && length < 2)
            throw new Siglip2Exception($"Siglip2EncoderOptions.TextLength must be at least 2 (one token and EOS), got {length}");
        if (MaxNumPatches is int patches && patches < 1)
            throw new Siglip2Exception($"Siglip2EncoderOptions.MaxNumPatches must be at least 1, got {patches}");
        if (MaxImagePixels < 1) throw new Siglip2Exception($"Siglip2EncoderOptions.MaxImagePixels must be at least 1, got {MaxImagePixels}");
        if (!Enum.IsDefined(Lowercase)) throw new Siglip2Exception($"Siglip2EncoderOptions.Lowercase has no mode {(int)Lowercase}");
        if (!Enum.IsDefined(Backend)) throw new Siglip2Exception($"Siglip2EncoderOptions.Backend has no value {(int)Backend}");
        if (!Enum.IsDefined(Precision)) throw new Siglip2Exception($"Siglip2EncoderOptions.Precision has no value {(int)Precision}");
        if (Backend == Siglip2Backend.Torch && Precision == Siglip2Precision.Int8)
            throw new Siglip2Exception("Siglip2EncoderOptions.Precision Int8 needs Backend Onnx (TorchSharp has no int8 matrix products)");
        if (Backend == Siglip2Backend.Onnx && Precision == Siglip2Precision.BFloat16)
            throw new Siglip2Exception("Siglip2EncoderOptions.Precision BFloat16 needs Backend Torch (the ONNX graphs are float32 or int8)");
        if (OnnxThreads is int threads && threads < 1) throw new Siglip2Exception($"Siglip2EncoderOptions.OnnxThreads must be at least 1, got {threads}");
        if (ModelId is { } id && string.IsNullOrWhiteSpace(id)) throw new Siglip2Exception("Siglip2EncoderOptions.ModelId is blank; give a name or leave it null");
    }
}
