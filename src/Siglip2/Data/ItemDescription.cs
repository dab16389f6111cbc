namespace Siglip2.Data;

/// <summary>What a caption says about one item: its Fashion-MNIST class and its palette colour (null = untinted gray).</summary>
public readonly record struct ItemDescription(int ClassId, int? ColorId);
