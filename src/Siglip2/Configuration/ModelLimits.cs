using System.Globalization;

namespace Siglip2.Configuration;

/// <summary>
/// Upper bounds on config.json sizes (docs/reliability.md). Each is far above every official SigLIP / SigLIP 2
/// checkpoint (largest: giant-opt, width 1536, MLP 6144, 40 layers, 16 heads; vocabulary 256,000; 64 text positions;
/// images up to 512 pixels, 1024 positions; see tests/fixtures/real-shapes and <see cref="ModelPresets"/>) and low
/// enough that a wrong or hostile value fails at once instead of building a model for minutes or allocating terabytes.
/// </summary>
public static class ModelLimits
{
    public const int NumHiddenLayers = 1000;
    public const int HiddenSize = 65536;
    public const int IntermediateSize = 1 << 20;
    public const int ProjectionSize = 65536;
    public const int VocabSize = 1 << 24;
    public const int MaxPositionEmbeddings = 1 << 20;
    /// <summary>Position embeddings of a vision tower: num_patches (NaFlex) or (image_size / patch_size)² (fixed).</summary>
    public const int NumPositions = 1 << 20;
    public const int ImageSize = 16384;
    public const int PatchSize = 1024;
    public const int NumChannels = 64;
    /// <summary>Parameters of one tower (2³⁴ ≈ 17.2 billion, 64 GiB in float32; the largest official tower has 1.1 billion).</summary>
    public const long TowerParameters = 1L << 34;
}

/// <summary>A config.json value over a <see cref="ModelLimits"/> bound; the checkpoint loader adds the value its weights imply.</summary>
public sealed class ConfigLimitException : Siglip2Exception
{
    public ConfigLimitException(string where, bool isText, string field, long value, long limit, string? note = null)
        : base(string.Create(CultureInfo.InvariantCulture, $"{where}: {field} {value:N0} is over the limit of {limit:N0}{note}; is config.json from this checkpoint?"))
    {
        Where = where; IsText = isText; Field = field; Value = value; Limit = limit; Note = note ?? "";
    }

    /// <summary>What the limit depends on (e.g. " for patch_size 16 (it gives … positions)"), or empty.</summary>
    public string Note { get; }

    /// <summary>The config file and section, as in the message (e.g. "…/config.json [text_config]").</summary>
    public string Where { get; }
    /// <summary>True for the text tower, false for the vision tower.</summary>
    public bool IsText { get; }
    public string Field { get; }
    public long Value { get; }
    public long Limit { get; }
}
