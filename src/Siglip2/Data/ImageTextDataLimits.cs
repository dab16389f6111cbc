using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>
/// Per-sample size limits of image–text datasets. A sample over a limit is skipped and counted, never read into
/// memory: hostile or broken data is normal at dataset scale and must not end a run.
/// </summary>
public sealed record ImageTextDataLimits
{
    /// <summary>One encoded image (default <see cref="InputLimits.EncodedImageBytes"/>, the limit of every other command).</summary>
    public long MaxImageBytes { get; init; } = InputLimits.EncodedImageBytes;

    /// <summary>
    /// One caption, in UTF-16 characters. A SigLIP text tower reads 64 tokens (a few hundred characters); captions
    /// longer than this are not captions (a scraped page, a broken file) and are skipped, shorter ones over the token
    /// length are truncated by the text processor. At most <see cref="InputLimits.TextCharacters"/>.
    /// </summary>
    public int MaxTextCharacters { get; init; } = 16_384;

    /// <summary>One <c>key.json</c> metadata member (img2dataset writes a few hundred bytes).</summary>
    public long MaxMetadataBytes { get; init; } = 1L << 20;

    /// <summary>One manifest row (a JSONL line or a CSV field), in characters.</summary>
    public int MaxRowCharacters { get; init; } = 1 << 20;

    public static ImageTextDataLimits Default { get; } = new();

    /// <summary>The most UTF-8 bytes a caption within <see cref="MaxTextCharacters"/> can take.</summary>
    public long MaxTextBytes => 3L * MaxTextCharacters + 3;

    public void Validate()
    {
        if (MaxImageBytes < 1) throw new Siglip2Exception($"image byte limit must be ≥ 1, got {MaxImageBytes}");
        if (MaxTextCharacters < 1 || MaxTextCharacters > InputLimits.TextCharacters)
            throw new Siglip2Exception($"caption character limit must be between 1 and {InputLimits.TextCharacters}, got {MaxTextCharacters}");
        if (MaxMetadataBytes < 1) throw new Siglip2Exception($"metadata byte limit must be ≥ 1, got {MaxMetadataBytes}");
        if (MaxRowCharacters < 16) throw new Siglip2Exception($"manifest row limit must be ≥ 16 characters, got {MaxRowCharacters}");
    }
}
