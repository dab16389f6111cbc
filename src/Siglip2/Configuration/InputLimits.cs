namespace Siglip2.Configuration;

/// <summary>
/// The size limits on what users hand over (docs/reliability.md). Each is far above every released SigLIP 2
/// checkpoint's file and low enough that a wrong or hostile file fails fast instead of exhausting memory.
/// </summary>
public static class InputLimits
{
    /// <summary>config.json, preprocessor_config.json, tokenizer_config.json, manifest.json, a shard index (official: under 100 KiB).</summary>
    public const long JsonConfigBytes = 16L << 20;

    /// <summary>tokenizer.json (after gunzip) or tokenizer.model (official Gemma 256k: 33 MiB and 4.2 MiB).</summary>
    public const long TokenizerBytes = 256L << 20;

    /// <summary>One encoded image file (the pixel count is limited separately, from the image header).</summary>
    public const long EncodedImageBytes = 256L << 20;

    /// <summary>The JSON header of a safetensors file (the cap of the reference implementation).</summary>
    public const long SafeTensorsHeaderBytes = 100_000_000;

    /// <summary>One text to embed or tokenize, in UTF-16 characters (64 tokens use a few hundred).</summary>
    public const int TextCharacters = 1 << 20;

    /// <summary>A --text-file (one text per line).</summary>
    public const long TextFileBytes = 256L << 20;
}
