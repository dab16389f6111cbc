namespace Siglip2.Data;

/// <summary>Why a sample of an image–text dataset was left out (docs/data.md lists them).</summary>
public enum DataSkipReason
{
    /// <summary>A tar shard or manifest could not be opened (missing, a folder, unreadable); all of it is skipped.</summary>
    UnreadableShard,
    /// <summary>A tar shard or manifest is corrupt or truncated from some point on; the rest of the file is skipped.</summary>
    CorruptShard,
    /// <summary>A manifest row that is not valid JSON / CSV, or lacks its <c>image</c> or <c>text</c> field.</summary>
    BadRow,
    /// <summary>An image without a caption (<c>key.txt</c>, a sidecar <c>.txt</c>, an empty <c>text</c> field is <see cref="EmptyText"/>).</summary>
    MissingCaption,
    /// <summary>A caption (or <c>key.json</c>) without an image in the same tar group.</summary>
    MissingImage,
    /// <summary>An image path that names no regular, readable file.</summary>
    UnreadableImage,
    /// <summary>An image file or member over <see cref="ImageTextDataLimits.MaxImageBytes"/>.</summary>
    ImageTooLarge,
    /// <summary>A caption that is empty or only white space.</summary>
    EmptyText,
    /// <summary>A caption over <see cref="ImageTextDataLimits.MaxTextCharacters"/> (no caption of that size describes an image).</summary>
    TextTooLong,
    /// <summary>A caption or <c>key.json</c> that is not valid UTF-8, or a <c>key.json</c> that is not a JSON object.</summary>
    InvalidText,
    /// <summary>Image bytes that do not decode (corrupt, truncated, an unsupported format): found while decoding, replaced by the batch rule.</summary>
    CorruptImage,
}
