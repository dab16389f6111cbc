namespace Siglip2.Data;

/// <summary>
/// One image–text pair as read from a dataset's metadata: the caption and where its image lies, without the image
/// bytes (so the global sample order can be built and replayed without reading images).
/// </summary>
/// <param name="Key">The sample's key: the WebDataset key in a tar, the image path (relative, no extension) elsewhere.</param>
/// <param name="Image">Where the encoded image is.</param>
/// <param name="Text">The caption (validated: not empty, within the limits).</param>
/// <param name="Language">The caption's language code when the data gives one (<c>lang</c>), else null.</param>
/// <param name="Metadata">The sample's JSON metadata (<c>key.json</c> in a tar, the row of a JSONL manifest), else null.</param>
/// <param name="Source">Where the sample is, for messages: <c>shard.tar:key</c>, <c>manifest.csv:row 12</c>, a file path.</param>
public sealed record ImageTextRecord(string Key, ImageLocation Image, string Text, string? Language, string? Metadata, string Source)
{
    /// <summary>The sample with its image bytes read (a <see cref="Siglip2Exception"/> when they cannot be).</summary>
    public ImageTextSample Load(ImageTextDataLimits limits) =>
        new(Key, Image.ReadBytes(limits.MaxImageBytes), Text, Language, Metadata, Source);
}
