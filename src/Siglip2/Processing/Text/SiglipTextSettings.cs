namespace Siglip2.Processing.Text;

/// <summary>
/// The rule that turns a caption into the fixed-length id row a SigLIP 2 text tower expects.
/// Defaults are SigLIP 2's training rule: ASCII lowercase, no BOS, EOS appended ("sticky": it survives
/// truncation), right-padded with PAD to 64.
/// </summary>
/// <param name="Length">Row length L (the text tower's position count, 64 for every released SigLIP 2 model).</param>
/// <param name="Lowercase">Lowercasing applied before tokenizing.</param>
/// <param name="EosId">End-of-sequence id (1 = <c>&lt;eos&gt;</c> in the Gemma vocabulary), or null to append none.</param>
/// <param name="PadId">Padding id (0 = <c>&lt;pad&gt;</c>).</param>
/// <param name="BosId">Begin-of-sequence id put first, or null for none (SigLIP 2: none).</param>
public sealed record SiglipTextSettings(int Length = 64, LowercaseMode Lowercase = LowercaseMode.Ascii, int? EosId = 1, int PadId = 0, int? BosId = null)
{
    /// <summary>How many content tokens fit in a row.</summary>
    public int ContentCapacity => Length - (EosId is null ? 0 : 1) - (BosId is null ? 0 : 1);

    public void Validate()
    {
        if (ContentCapacity < 1)
            throw new Siglip2Exception($"Text length {Length} leaves no room for text after the special tokens; use a length of at least {Length - ContentCapacity + 1} (SigLIP 2 uses 64).");
    }
}

/// <summary>Choices a caller may override when the pipeline is built from a model folder.</summary>
public sealed record SiglipTextOptions
{
    /// <summary>Row length; null = the checkpoint's (config.json text_config.max_position_embeddings, else tokenizer_config.json model_max_length, else 64).</summary>
    public int? Length { get; init; }

    /// <summary>Lowercasing; default ASCII only (the training-time rule).</summary>
    public LowercaseMode Lowercase { get; init; } = LowercaseMode.Ascii;
}
