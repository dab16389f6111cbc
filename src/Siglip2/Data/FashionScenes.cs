namespace Siglip2.Data;

/// <summary>
/// The FashionScenes generator: scene i of a split is made on demand from (config, split, i) alone, so the
/// stream is reproducible, order- and thread-independent, and needs no storage. Train scenes draw items
/// from the 60 000 Fashion-MNIST training images, held-out scenes from the 10 000 test images.
/// </summary>
public sealed class FashionScenes
{
    /// <summary>Items are cropped to their source pixels at or above this gray value before scaling.</summary>
    private const int CropThreshold = 16;
    /// <summary>Smallest RGB distance between an item colour and the background it sits on.</summary>
    private const double MinContrast = 120;
    private const int PlacementAttempts = 30;

    private readonly CaptionLanguage[] _others;
    private readonly bool _hasEnglish;
    private readonly PixelBox[] _sourceCrops;

    public FashionScenesConfig Config { get; }
    public SceneSplit Split { get; }
    public FashionMnistImages Source { get; }

    /// <summary>A generator over <paramref name="data"/>'s train part (Train) or test part (HeldOut).</summary>
    public FashionScenes(FashionMnist data, FashionScenesConfig config, SceneSplit split)
        : this(split == SceneSplit.Train ? data.Train : data.Test, config)
    {
    }

    /// <summary>A generator over one Fashion-MNIST part: the train part gives train scenes, the test part held-out scenes.</summary>
    public FashionScenes(FashionMnistImages source, FashionScenesConfig config)
    {
        config.Validate();
        Config = config;
        Source = source;
        Split = source.Part == FashionMnistPart.Train ? SceneSplit.Train : SceneSplit.HeldOut;
        var languages = config.Languages.Select(CaptionLanguages.Get).Distinct().ToArray();
        _hasEnglish = languages.Contains(CaptionLanguages.English);
        _others = languages.Where(l => l != CaptionLanguages.English).ToArray();
        _sourceCrops = new PixelBox[source.Count];
        for (int i = 0; i < source.Count; i++)
            _sourceCrops[i] = SceneRenderer.ContentBounds(source.Image(i), FashionMnist.ImageSide, FashionMnist.ImageSide, CropThreshold);
    }

    /// <summary>Scenes start .. start+count−1, made lazily one at a time.</summary>
    public IEnumerable<Scene> Stream(long start, long count)
    {
        for (long i = start; i < start + count; i++) yield return Generate(i);
    }

    /// <summary>Scene <paramref name="index"/> (any non-negative number; the stream is unbounded).</summary>
    public Scene Generate(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var random = new SceneRandom(Config.Seed, (long)Split + 1, index);
        bool gray = random.Chance(Config.GrayShare);
        bool single = random.Chance(Config.SingleItemShare) || Config.MaxItems == 1;
        var language = PickLanguage(random);
        var scene = gray ? GenerateGray(index, random, language)
            : GenerateTinted(index, random, language, single ? 1 : random.NextInclusive(2, Config.MaxItems), occlude: !single && Occluded(index));
        return Config.AttributeShare > 0 ? WithAttribute(scene) : scene;
    }

    /// <summary>
    /// Names a maker in an English single-item caption with probability <see cref="FashionScenesConfig.AttributeShare"/>,
    /// Aster with the class's probability (<see cref="CaptionAttribute.AsterProbability"/>). The draws come from their
    /// own generator, so the scene itself (image, items, caption template) is the one made without attributes.
    /// </summary>
    private Scene WithAttribute(Scene scene)
    {
        if (scene.Language != CaptionLanguages.English.Code || scene.Items.Count != 1) return scene;
        var random = new SceneRandom(Config.Seed, AttributeStream + (long)Split, scene.Index);
        if (!random.Chance(Config.AttributeShare)) return scene;
        int attribute = random.Chance(CaptionAttribute.AsterProbability(Config, scene.Items[0].ClassId)) ? 0 : 1;
        return scene with { Caption = CaptionAttribute.Apply(scene.Caption, attribute), Attribute = attribute };
    }

    private const long AttributeStream = 1000;
    private const long OcclusionStream = 2000;

    /// <summary>Whether a multi-item scene lets its items overlap: drawn from its own generator (none when the share is 0), so the main stream's draws are those of a scene without the option.</summary>
    private bool Occluded(long index) =>
        Config.OcclusionShare > 0 && new SceneRandom(Config.Seed, OcclusionStream + (long)Split, index).Chance(Config.OcclusionShare);

    /// <summary>Items whose visible mask is below this share of their full mask are left out of an occluded scene.</summary>
    private const double MinVisibleShare = 0.25;

    private CaptionLanguage PickLanguage(SceneRandom random)
    {
        bool english = _hasEnglish && (_others.Length == 0 || random.Chance(Config.EnglishShare));
        return english ? CaptionLanguages.English : _others[random.Next(_others.Length)];
    }

    private int PickSource(SceneRandom random)
    {
        for (int attempt = 0; ; attempt++)
        {
            int index = random.Next(Source.Count);
            if (!_sourceCrops[index].IsEmpty || attempt >= 100) return index;
        }
    }

    private Scene GenerateGray(long index, SceneRandom random, CaptionLanguage language)
    {
        int side = random.NextInclusive(Config.MinLongSide, Config.MaxLongSide);
        for (int attempt = 0; ; attempt++)
        {
            int source = PickSource(random);
            var gray = SceneRenderer.ResizeGray(Source.Image(source), FashionMnist.ImageSide, FashionMnist.ImageSide, side, side);
            var box = SceneRenderer.ContentBounds(gray, side, side, SceneRenderer.MaskThreshold);
            if (box.IsEmpty && attempt < 20) continue;
            int classId = Source.Label(source);
            var rgb = new byte[side * side * 3];
            var mask = new byte[side * side];
            for (int p = 0; p < gray.Length; p++)
            {
                rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = gray[p];
                if (gray[p] >= SceneRenderer.MaskThreshold) mask[p] = (byte)(classId + 1);
            }
            var items = new[] { new SceneItem(classId, null, box, source) };
            string caption = language.GrayItemCaption(classId, random);
            return Finish(index, SceneKind.GrayOriginal, side, side, rgb, mask, items, language, caption);
        }
    }

    private (int Width, int Height) CanvasSize(SceneRandom random)
    {
        double logMax = Math.Log(Config.MaxAspectRatio);
        double aspect = Math.Exp(random.Uniform(-logMax, logMax));
        double stretch = Math.Max(aspect, 1 / aspect);
        int minLong = Math.Max(Config.MinLongSide, (int)Math.Ceiling(Config.MinShortSide * stretch - 1e-9));
        int longSide = random.NextInclusive(Math.Min(minLong, Config.MaxLongSide), Config.MaxLongSide);
        // Rounding the short side up keeps the ratio within [1/MaxAspectRatio, MaxAspectRatio].
        int shortSide = Math.Clamp((int)Math.Ceiling(longSide / stretch - 1e-9), Config.MinShortSide, longSide);
        return aspect >= 1 ? (longSide, shortSide) : (shortSide, longSide);
    }

    private Background PickBackground(SceneRandom random)
    {
        bool dark = random.Chance(0.4);
        Rgb Color() => dark
            ? new((byte)random.NextInclusive(0, 90), (byte)random.NextInclusive(0, 90), (byte)random.NextInclusive(0, 90))
            : new((byte)random.NextInclusive(160, 255), (byte)random.NextInclusive(160, 255), (byte)random.NextInclusive(160, 255));
        var style = (BackgroundStyle)random.Next(3);
        var first = Color();
        var second = style == BackgroundStyle.Gradient ? Color() : first;
        return new Background(style, first, second, random.Next(3), random.NextInclusive(4, 20));
    }

    private Scene GenerateTinted(long index, SceneRandom random, CaptionLanguage language, int itemCount, bool occlude)
    {
        var (width, height) = CanvasSize(random);
        var background = PickBackground(random);
        var rgb = new byte[width * height * 3];
        var mask = new byte[width * height];
        SceneRenderer.FillBackground(rgb, width, height, background, random);
        var contrasting = ColorPalette.Colors.Where(c => background.Mean.DistanceTo(c) >= MinContrast).ToArray();

        var items = new List<SceneItem>(itemCount);
        var placed = new List<PixelBox>(itemCount);
        var layers = occlude ? new List<Layer>(itemCount) : null;
        int shortSide = Math.Min(width, height), longSide = Math.Max(width, height);
        int largest = itemCount == 1 ? shortSide : Math.Min(shortSide, Math.Max(Config.MinItemSide, (int)(longSide * 0.6)));
        // Extra tries only while the scene is still empty (an item too faint to leave mask pixels).
        for (int k = 0; k < itemCount || (items.Count == 0 && k < itemCount + 20); k++)
        {
            int source = PickSource(random);
            int classId = Source.Label(source);
            var colors = contrasting.Where(c => !items.Any(i => i.ClassId == classId && i.ColorId == c.Id)).ToArray();
            if (colors.Length == 0) continue;
            var color = colors[random.Next(colors.Length)];
            var crop = _sourceCrops[source];
            if (crop.IsEmpty) continue;
            if (!TryPlace(random, crop, width, height, largest, placed, occlude, out var rect)) continue;
            var cropped = SceneRenderer.Crop(Source.Image(source), FashionMnist.ImageSide, crop);
            var resized = SceneRenderer.ResizeGray(cropped, crop.Width, crop.Height, rect.Width, rect.Height);
            var content = SceneRenderer.ContentBounds(resized, rect.Width, rect.Height, SceneRenderer.MaskThreshold);
            if (content.IsEmpty) continue;
            var item = new SceneItem(classId, color.Id,
                new PixelBox(rect.X0 + content.X0, rect.Y0 + content.Y0, rect.X0 + content.X1, rect.Y0 + content.Y1), source);
            if (layers is null) SceneRenderer.CompositeTinted(rgb, mask, width, resized, rect.Width, rect.Height, rect.X0, rect.Y0, color, (byte)(classId + 1));
            else layers.Add(new Layer(item, rect, resized, color));
            placed.Add(rect);
            items.Add(item);
        }
        byte[]? owners = null;
        if (layers is not null) (items, owners) = PaintFarToNear(rgb, mask, width, height, layers);
        bool occluded = owners is not null;

        items.Sort((a, b) => a.Box.X0 != b.Box.X0 ? a.Box.X0.CompareTo(b.Box.X0) : a.Box.Y0.CompareTo(b.Box.Y0));
        var descriptions = items.Select(i => i.Description).ToArray();
        SceneKind kind = items.Count == 1 ? SceneKind.SingleItem : SceneKind.MultiItem;
        string caption;
        if (items.Count == 1)
            caption = language.SingleItemCaption(descriptions[0], random);
        else if (items.Count == 2 && !occluded && random.Chance(Config.RelationShare))
        {
            int subject = random.Next(2);
            var relation = Relation(items[subject].Box, items[1 - subject].Box, random);
            caption = language.RelationCaption(descriptions[subject], relation, descriptions[1 - subject], random);
        }
        else
            caption = language.MultiItemCaption(descriptions, random);
        var scene = Finish(index, kind, width, height, rgb, mask, items, language, caption);
        if (!occluded) return scene;
        // item ownership in the sorted order of Items
        var painted = layers!;
        var byItem = painted.ToDictionary(l => l.Item, l => l);
        var sortedLayers = items.Select(i => byItem[i]).ToList();
        var remap = new byte[painted.Count + 1];
        for (int k = 0; k < painted.Count; k++) remap[k + 1] = (byte)(items.IndexOf(painted[k].Item) + 1);
        for (int p = 0; p < owners!.Length; p++) owners[p] = remap[owners[p]];
        return scene with { ItemMask = owners, Layers = sortedLayers.Select(l => (l.Rect, l.Gray)).ToList() };
    }

    private sealed record Layer(SceneItem Item, PixelBox Rect, byte[] Gray, NamedColor Color);

    /// <summary>
    /// Occluded scenes: leaves out items less than <see cref="MinVisibleShare"/> visible (the least visible first, until
    /// none is), then paints the rest far to near by their <see cref="SceneDepth.ItemDepth"/> (ties: the smaller first, then
    /// placement order). Returns the kept items and, when at least two are kept, the per-pixel owner (1 + index in
    /// <paramref name="layers"/>, which is reduced to the kept ones; 0 = background); null owners when one item is left.
    /// </summary>
    private static (List<SceneItem> Items, byte[]? Owners) PaintFarToNear(byte[] rgb, byte[] mask, int width, int height, List<Layer> layers)
    {
        int canvas = Math.Max(width, height);
        static int Side(Layer l) => Math.Max(l.Item.Box.Width, l.Item.Box.Height);
        while (true)
        {
            var order = layers.OrderByDescending(l => SceneDepth.ItemDepth(canvas, Side(l))).ThenBy(Side).ToList();
            var owners = new byte[width * height];
            var full = new int[layers.Count];
            foreach (var l in order)
            {
                int k = layers.IndexOf(l);
                for (int y = 0; y < l.Rect.Height; y++)
                    for (int x = 0; x < l.Rect.Width; x++)
                        if (l.Gray[y * l.Rect.Width + x] >= SceneRenderer.MaskThreshold)
                        {
                            owners[(l.Rect.Y0 + y) * width + l.Rect.X0 + x] = (byte)(k + 1);
                            full[k]++;
                        }
            }
            var visible = new int[layers.Count];
            foreach (byte o in owners) if (o > 0) visible[o - 1]++;
            int worst = Enumerable.Range(0, layers.Count).MinBy(k => (double)visible[k] / full[k]);
            if (layers.Count > 1 && (double)visible[worst] / full[worst] < MinVisibleShare)
            {
                layers.RemoveAt(worst);
                continue;
            }
            foreach (var l in order)
                SceneRenderer.CompositeTinted(rgb, mask, width, l.Gray, l.Rect.Width, l.Rect.Height, l.Rect.X0, l.Rect.Y0, l.Color, (byte)(l.Item.ClassId + 1));
            return (layers.Select(l => l.Item).ToList(), layers.Count > 1 ? owners : null);
        }
    }

    /// <summary>
    /// Picks a scale and position for an item whose rectangle keeps a one-pixel gap to those already placed (with
    /// <paramref name="overlap"/>: lies partly over at least one of them, sharing at most half of either rectangle with each);
    /// the allowed size shrinks after failed attempts. False when no place is found.
    /// </summary>
    private bool TryPlace(SceneRandom random, PixelBox crop, int width, int height, int largest, List<PixelBox> placed, bool overlap, out PixelBox rect)
    {
        int cropLong = Math.Max(crop.Width, crop.Height);
        for (int attempt = 0; attempt < PlacementAttempts; attempt++)
        {
            int limit = Math.Max(Config.MinItemSide, (int)(largest * Math.Pow(0.93, attempt)));
            int target = random.NextInclusive(Config.MinItemSide, limit);
            double scale = (double)target / cropLong;
            int w = Math.Clamp((int)Math.Round(crop.Width * scale), 1, width);
            int h = Math.Clamp((int)Math.Round(crop.Height * scale), 1, height);
            int x = random.Next(width - w + 1), y = random.Next(height - h + 1);
            var candidate = new PixelBox(x, y, x + w, y + h);
            if (overlap ? !PartlyOver(candidate, placed) : placed.Any(p => p.Overlaps(candidate, gap: 1))) continue;
            rect = candidate;
            return true;
        }
        rect = default;
        return false;
    }

    private static bool PartlyOver(PixelBox candidate, List<PixelBox> placed)
    {
        if (placed.Count == 0) return true;
        bool any = false;
        foreach (var p in placed)
        {
            int w = Math.Min(p.X1, candidate.X1) - Math.Max(p.X0, candidate.X0), h = Math.Min(p.Y1, candidate.Y1) - Math.Max(p.Y0, candidate.Y0);
            if (w <= 0 || h <= 0) continue;
            if (2L * w * h > Math.Min((long)p.Width * p.Height, (long)candidate.Width * candidate.Height)) return false;
            any = true;
        }
        return any;
    }

    /// <summary>How box a lies relative to box b (they are disjoint, so at least one relation holds).</summary>
    private static SpatialRelation Relation(PixelBox a, PixelBox b, SceneRandom random)
    {
        var holds = new List<SpatialRelation>(2);
        if (a.X1 <= b.X0) holds.Add(SpatialRelation.LeftOf);
        if (b.X1 <= a.X0) holds.Add(SpatialRelation.RightOf);
        if (a.Y1 <= b.Y0) holds.Add(SpatialRelation.Above);
        if (b.Y1 <= a.Y0) holds.Add(SpatialRelation.Below);
        if (holds.Count == 0) throw new InvalidOperationException($"boxes {a} and {b} overlap");
        return holds[random.Next(holds.Count)];
    }

    private Scene Finish(long index, SceneKind kind, int width, int height, byte[] rgb, byte[] mask,
        IReadOnlyList<SceneItem> items, CaptionLanguage language, string caption)
    {
        var referring = new RegionText[items.Count];
        var regionCaptions = new RegionText[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            bool classIsUnique = items.Count(other => other.ClassId == item.ClassId) == 1;
            referring[i] = new RegionText(i, item.Box,
                language.Description(classIsUnique ? new ItemDescription(item.ClassId, null) : item.Description));
            regionCaptions[i] = new RegionText(i, item.Box, language.Description(item.Description));
        }
        return new Scene(Split, index, kind, width, height, rgb, mask, items, language.Code, caption, referring, regionCaptions);
    }
}
