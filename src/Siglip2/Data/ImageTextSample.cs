namespace Siglip2.Data;

/// <summary>One raw image–text pair: the encoded image bytes (not decoded) and its caption.</summary>
/// <param name="Key">The sample's key (see <see cref="ImageTextRecord.Key"/>).</param>
/// <param name="Image">The encoded image file (JPEG, PNG, WebP).</param>
/// <param name="Text">The caption.</param>
/// <param name="Language">The caption's language code, if the data gives one.</param>
/// <param name="Metadata">The sample's JSON metadata, if any.</param>
/// <param name="Source">Where the sample is, for messages.</param>
public sealed record ImageTextSample(string Key, byte[] Image, string Text, string? Language, string? Metadata, string Source);
