using Siglip2.Data;

namespace Siglip2.Tasks.Evaluation;

/// <summary>
/// Held-out FashionScenes selected by canvas shape, for the NaFlex-vs-fixed comparison: <see cref="Extreme"/> keeps
/// wide or tall strips (long side / short side ≥ a minimum, e.g. 3:1), <see cref="NearSquare"/> the control group of
/// tinted scenes at most 1.5:1. Scenes are taken in stream order (scene 0, 1, …), so a selection is a pure function
/// of (config, threshold, count). The plain gray scenes are square and never extreme.
/// </summary>
public static class AspectRatioScenes
{
    /// <summary>Most scenes scanned for one selection (about 10% of the tiny recipe's scenes are ≥ 3:1).</summary>
    public const long ScanLimit = 400_000;

    /// <summary>Long side / short side of the canvas (≥ 1).</summary>
    public static double AspectRatio(Scene s) => (double)Math.Max(s.Width, s.Height) / Math.Min(s.Width, s.Height);

    /// <summary>
    /// The held-out scene config for an extreme-aspect set: <paramref name="scenes"/> itself, or, with
    /// <paramref name="maxAspect"/>, canvases up to that ratio (a dedicated set of longer strips; the long side is raised
    /// so that the short side can stay at <see cref="FashionScenesConfig.MinShortSide"/>).
    /// </summary>
    public static FashionScenesConfig ExtremeConfig(FashionScenesConfig scenes, double minAspect, double? maxAspect)
    {
        if (!(minAspect >= 1)) throw new Siglip2Exception($"the minimum aspect ratio must be ≥ 1, got {minAspect}");
        var config = scenes;
        if (maxAspect is { } max)
        {
            if (!(max >= minAspect)) throw new Siglip2Exception($"the maximum aspect ratio {max} is below the minimum {minAspect}");
            config = scenes with { MaxAspectRatio = max, MaxLongSide = Math.Max(scenes.MaxLongSide, (int)Math.Ceiling(scenes.MinShortSide * max)) };
        }
        if (config.MaxAspectRatio < minAspect)
            throw new Siglip2Exception($"the scenes have aspect ratios up to {config.MaxAspectRatio}:1, none reaches {minAspect}:1; lower the minimum or raise the maximum aspect ratio");
        config.Validate();
        return config;
    }

    /// <summary>The first <paramref name="count"/> held-out scenes with an aspect ratio ≥ <paramref name="minAspect"/>.</summary>
    public static IReadOnlyList<Scene> Extreme(FashionScenes heldOut, double minAspect, int count) =>
        Select(heldOut, s => AspectRatio(s) >= minAspect, count, $"an aspect ratio ≥ {minAspect}:1");

    /// <summary>The first <paramref name="count"/> tinted held-out scenes with an aspect ratio ≤ <paramref name="maxAspect"/>.</summary>
    public static IReadOnlyList<Scene> NearSquare(FashionScenes heldOut, double maxAspect, int count) =>
        Select(heldOut, s => s.Kind != SceneKind.GrayOriginal && AspectRatio(s) <= maxAspect, count, $"a tinted canvas of at most {maxAspect}:1");

    private static IReadOnlyList<Scene> Select(FashionScenes heldOut, Func<Scene, bool> keep, int count, string what)
    {
        if (count < 1) throw new Siglip2Exception($"the number of scenes must be ≥ 1, got {count}");
        if (heldOut.Split != SceneSplit.HeldOut) throw new Siglip2Exception("aspect-ratio evaluation sets are drawn from held-out scenes");
        var kept = new List<Scene>(count);
        for (long i = 0; i < ScanLimit && kept.Count < count; i++)
        {
            var s = heldOut.Generate(i);
            if (keep(s)) kept.Add(s);
        }
        if (kept.Count < count)
            throw new Siglip2Exception($"only {kept.Count} of the first {ScanLimit} held-out scenes have {what}; ask for fewer scenes");
        return kept;
    }
}
