namespace Siglip2.Data;

/// <summary>
/// One generated FashionScenes example.
/// <para><see cref="Rgb"/>: Height×Width×3 bytes, row-major (HWC). <see cref="ClassMask"/>: Height×Width bytes,
/// 0 = background, 1 + class id where an item covers the pixel.</para>
/// <para><see cref="ReferringExpressions"/>: the shortest text that singles each item out (the bare class name when
/// the class occurs once in the scene, else colour + class) → its box, for "text → box" training.
/// <see cref="RegionCaptions"/>: each item's box → its full description (colour + class), for "box → text".</para>
/// </summary>
public sealed record Scene(
    SceneSplit Split,
    long Index,
    SceneKind Kind,
    int Width,
    int Height,
    byte[] Rgb,
    byte[] ClassMask,
    IReadOnlyList<SceneItem> Items,
    string Language,
    string Caption,
    IReadOnlyList<RegionText> ReferringExpressions,
    IReadOnlyList<RegionText> RegionCaptions)
{
    /// <summary>The caption's maker attribute (<see cref="CaptionAttribute"/>: 0 = Aster, 1 = Boreal), null when it names none.</summary>
    public int? Attribute { get; init; }

    /// <summary>
    /// Occluded scenes (<see cref="FashionScenesConfig.OcclusionShare"/>): Height×Width bytes, 0 = background, 1 + the index in
    /// <see cref="Items"/> of the item visible at the pixel (the nearest one whose mask covers it). Null when the items do not
    /// overlap: then an item's pixels are the mask pixels inside its box.
    /// </summary>
    public byte[]? ItemMask { get; init; }

    /// <summary>Whether items overlap (placed partly over each other); such scenes have no spatial-relation caption.</summary>
    public bool IsOccluded => ItemMask is not null;

    /// <summary>Occluded scenes: each item's resized gray layer and the rectangle it was painted in, in <see cref="Items"/> order (for tests).</summary>
    internal IReadOnlyList<(PixelBox Rect, byte[] Gray)>? Layers { get; init; }
}
