namespace Siglip2.Data;

/// <summary>A text about one item of a scene and that item's box (in the scene's caption language).</summary>
public sealed record RegionText(int ItemIndex, PixelBox Box, string Text);
