namespace Siglip2.Search;

/// <summary>One file of an index: where it is, how it looked when indexed, and its embedding (or why it has none).</summary>
public sealed record IndexedImage(string Path, long Size, long ModifiedTicks, string? Sha256, int Width, int Height, float[]? Embedding, string? Error);
