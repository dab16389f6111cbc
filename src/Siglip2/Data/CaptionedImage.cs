namespace Siglip2.Data;

/// <summary>One image of a retrieval benchmark with its reference captions in one language (at least one).</summary>
public sealed record CaptionedImage(string ImagePath, IReadOnlyList<string> Captions);
