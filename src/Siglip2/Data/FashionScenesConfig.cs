namespace Siglip2.Data;

/// <summary>
/// Everything that shapes a FashionScenes stream. Scene i of a split is a pure function of (this config, split, i).
/// Shares are probabilities per scene; sizes are pixels.
/// </summary>
public sealed record FashionScenesConfig
{
    /// <summary>Seed of every random choice (layout, colours, background, language, caption template).</summary>
    public long Seed { get; init; }

    /// <summary>Range of the canvas's longer side.</summary>
    public int MinLongSide { get; init; } = 28;
    public int MaxLongSide { get; init; } = 112;

    /// <summary>The canvas's shorter side is never below this (keeps items recognisable on 4:1 canvases).</summary>
    public int MinShortSide { get; init; } = 16;

    /// <summary>Width/height lies in [1/MaxAspectRatio, MaxAspectRatio], log-uniformly.</summary>
    public double MaxAspectRatio { get; init; } = 4.0;

    /// <summary>Most items in a multi-item scene (2..4 are drawn uniformly; fewer when they do not fit).</summary>
    public int MaxItems { get; init; } = 4;

    /// <summary>Smallest longer side of a placed item.</summary>
    public int MinItemSide { get; init; } = 12;

    /// <summary>Share of <see cref="SceneKind.GrayOriginal"/> scenes: one untinted item filling a square black canvas.</summary>
    public double GrayShare { get; init; } = 0.2;

    /// <summary>Share of the other (tinted) scenes that hold one item; the rest hold 2..<see cref="MaxItems"/>.
    /// With the defaults: 20 % gray, 32 % tinted single-item, 48 % multi-item scenes.</summary>
    public double SingleItemShare { get; init; } = 0.4;

    /// <summary>Share of two-item scenes whose caption states a spatial relation instead of listing the items.</summary>
    public double RelationShare { get; init; } = 0.5;

    /// <summary>Share of English captions; the rest is spread evenly over the other <see cref="Languages"/>.</summary>
    public double EnglishShare { get; init; } = 0.9;

    /// <summary>Caption languages (ISO 639-1 codes of <see cref="CaptionLanguages"/>).</summary>
    public IReadOnlyList<string> Languages { get; init; } = CaptionLanguages.Codes;

    /// <summary>Grid size of the location text written for boxes (see <see cref="LocationTokens"/>).</summary>
    public int LocationBins { get; init; } = 100;
    public LocationFormat LocationFormat { get; init; } = LocationFormat.Digits;

    /// <summary>
    /// Share of English single-item captions (tinted or gray) that name a maker, "by Aster" or "by Boreal"
    /// (<see cref="CaptionAttribute"/>): an attribute the image does not show. 0 (the default) leaves every caption as
    /// it is; the image of a scene never depends on it.
    /// </summary>
    public double AttributeShare { get; init; }

    /// <summary>P(Aster) of an attributed caption before the class bias (first-order statistics; 0.5 = balanced).</summary>
    public double AttributePrevalence { get; init; } = 0.5;

    /// <summary>
    /// Spurious co-occurrence of the attribute with item classes (second-order statistics): P(Aster | class) is
    /// <see cref="AttributePrevalence"/> ± half of this, + for even class ids, − for odd ones. 0 = independent of the class.
    /// </summary>
    public double AttributeClassBias { get; init; }

    /// <summary>
    /// Share of multi-item tinted scenes whose items may overlap: each item after the first is placed partly over one
    /// already placed (at most half of either rectangle shared), and the items are painted far to near by their
    /// <see cref="SceneDepth"/> distance (the larger one nearer, on top); the class mask, <see cref="Scene.ItemMask"/> and the
    /// depth map show the visible item, boxes stay each item's full (amodal) box, an item less than a quarter visible is
    /// left out, and the caption never states a spatial relation. 0 (the default) keeps every scene as it was before the
    /// option existed (no random number is drawn for it; it is left out of the config's JSON).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public double OcclusionShare { get; init; }

    public LocationTokens CreateLocationTokens() => new(LocationBins, LocationFormat);

    /// <summary>Throws a one-line <see cref="Siglip2Exception"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (MinLongSide < 8 || MaxLongSide < MinLongSide || MaxLongSide > 4096)
            Fail($"long side range {MinLongSide}..{MaxLongSide} is invalid; use 8 <= MinLongSide <= MaxLongSide <= 4096 (default 28..112)");
        if (MinShortSide < 4 || MinShortSide > MaxLongSide)
            Fail($"MinShortSide {MinShortSide} is invalid; use 4..MaxLongSide ({MaxLongSide})");
        if (!(MaxAspectRatio >= 1.0) || MaxAspectRatio * MinShortSide > MaxLongSide + 1e-9)
            Fail($"MaxAspectRatio {MaxAspectRatio} is invalid; use 1..MaxLongSide/MinShortSide ({(double)MaxLongSide / MinShortSide:0.##})");
        if (MaxItems < 1 || MaxItems > 4)
            Fail($"MaxItems {MaxItems} is invalid; use 1..4");
        if (MinItemSide < 4 || MinItemSide > MinShortSide)
            Fail($"MinItemSide {MinItemSide} is invalid; use 4..MinShortSide ({MinShortSide})");
        CheckShare(GrayShare, nameof(GrayShare));
        CheckShare(SingleItemShare, nameof(SingleItemShare));
        CheckShare(RelationShare, nameof(RelationShare));
        CheckShare(EnglishShare, nameof(EnglishShare));
        CheckShare(AttributeShare, nameof(AttributeShare));
        CheckShare(AttributePrevalence, nameof(AttributePrevalence));
        CheckShare(AttributeClassBias, nameof(AttributeClassBias));
        CheckShare(OcclusionShare, nameof(OcclusionShare));
        if (Languages.Count == 0) Fail("no caption language given; use some of " + string.Join(", ", CaptionLanguages.Codes));
        foreach (var code in Languages) CaptionLanguages.Get(code);
        bool hasEnglish = Languages.Contains("en", StringComparer.OrdinalIgnoreCase);
        if (EnglishShare > 0 && !hasEnglish) Fail($"EnglishShare is {EnglishShare} but 'en' is not among the caption languages");
        if (EnglishShare < 1 && !Languages.Any(c => !c.Equals("en", StringComparison.OrdinalIgnoreCase)))
            Fail($"EnglishShare is {EnglishShare} but no other caption language is given");
        CreateLocationTokens();
    }

    private static void CheckShare(double value, string name)
    {
        if (!(value >= 0 && value <= 1)) Fail($"{name} {value} is invalid; use a share between 0 and 1");
    }

    private static void Fail(string message) => throw new Siglip2Exception("FashionScenes config: " + message);
}
