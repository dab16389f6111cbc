namespace Siglip2.Data;

/// <summary>
/// The per-pixel depth of a FashionScenes scene (metres), for the depth probe (docs/fashionscenes.md). Items stand at
/// the distance their size implies — an item whose longer side spans the canvas's longer side is
/// <see cref="ItemReferenceDepth"/> away, one half as large twice as far (perspective: size ∝ 1/depth), clamped to
/// [<see cref="NearestDepth"/>, <see cref="FarthestDepth"/>]. The background is a ground plane receding from
/// <see cref="FloorNearDepth"/> at the bottom row to <see cref="FarthestDepth"/> at the top (gray scenes: a flat backdrop
/// at <see cref="FarthestDepth"/>). By default items never overlap (a one-pixel gap between their boxes) and an item's
/// pixels are those of its mask inside its box; in occluded scenes (<see cref="FashionScenesConfig.OcclusionShare"/>, painted
/// far to near by these distances) each pixel has the depth of the item visible there (<see cref="Scene.ItemMask"/>), the
/// nearest one. A pure function of the scene: the images and the training streams do not depend on it.
/// </summary>
public static class SceneDepth
{
    public const float NearestDepth = 1f, FarthestDepth = 10f, ItemReferenceDepth = 2f, FloorNearDepth = 4f;

    public static float[] Map(Scene scene)
    {
        int w = scene.Width, h = scene.Height;
        var depth = new float[w * h];
        bool backdrop = scene.Kind == SceneKind.GrayOriginal;
        for (int y = 0; y < h; y++)
        {
            float d = backdrop || h == 1 ? FarthestDepth : FarthestDepth + (FloorNearDepth - FarthestDepth) * y / (h - 1);
            depth.AsSpan(y * w, w).Fill(d);
        }
        int canvas = Math.Max(w, h);
        if (scene.ItemMask is { } owners)
        {
            var itemDepths = scene.Items.Select(i => ItemDepth(canvas, Math.Max(i.Box.Width, i.Box.Height))).ToArray();
            for (int p = 0; p < owners.Length; p++)
                if (owners[p] > 0) depth[p] = itemDepths[owners[p] - 1];
            return depth;
        }
        foreach (var item in scene.Items)
        {
            float d = ItemDepth(canvas, Math.Max(item.Box.Width, item.Box.Height));
            for (int y = item.Box.Y0; y < item.Box.Y1; y++)
                for (int x = item.Box.X0; x < item.Box.X1; x++)
                    if (scene.ClassMask[y * w + x] == item.ClassId + 1) depth[y * w + x] = d;
        }
        return depth;
    }

    /// <summary>The distance of an item of longer side <paramref name="itemSide"/> px on a canvas of longer side <paramref name="canvasSide"/> px.</summary>
    public static float ItemDepth(int canvasSide, int itemSide) =>
        Math.Clamp(ItemReferenceDepth * canvasSide / Math.Max(1, itemSide), NearestDepth, FarthestDepth);
}
