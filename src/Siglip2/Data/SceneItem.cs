namespace Siglip2.Data;

/// <summary>
/// One item of a scene: its Fashion-MNIST class (0..9), palette colour (null = untinted gray), tight box
/// around its mask pixels, and the index of its source image in the split's Fashion-MNIST part
/// (train part for <see cref="SceneSplit.Train"/>, test part for <see cref="SceneSplit.HeldOut"/>).
/// </summary>
public sealed record SceneItem(int ClassId, int? ColorId, PixelBox Box, int SourceIndex)
{
    public ItemDescription Description => new(ClassId, ColorId);
}
