using System.Diagnostics;
using Siglip2.Data;
using Xunit.Abstractions;

namespace Siglip2.Tests.Data;

public class FashionScenesTests(ITestOutputHelper output)
{
    private static FashionScenes Make(FashionScenesConfig config, SceneSplit split = SceneSplit.Train) =>
        new(SharedFashionMnist.Data, config, split);

    private static void AssertSame(Scene a, Scene b)
    {
        Assert.Equal((a.Width, a.Height, a.Kind, a.Language, a.Caption), (b.Width, b.Height, b.Kind, b.Language, b.Caption));
        Assert.Equal(a.Rgb, b.Rgb);
        Assert.Equal(a.ClassMask, b.ClassMask);
        Assert.Equal(a.Items, b.Items);
        Assert.Equal(a.ReferringExpressions, b.ReferringExpressions);
        Assert.Equal(a.RegionCaptions, b.RegionCaptions);
    }

    [Fact]
    public void SameSeedGivesSameScenesInAnyOrderAndOnAnyThread()
    {
        var config = new FashionScenesConfig { Seed = 42 };
        var first = Make(config);
        var second = Make(config with { });
        var sequential = Enumerable.Range(0, 64).Select(i => first.Generate(i)).ToArray();
        var parallel = new Scene[64];
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[63 - i] = second.Generate(63 - i));
        for (int i = 0; i < 64; i++) AssertSame(sequential[i], parallel[i]);
        AssertSame(first.Generate(1_000_000_007L), second.Generate(1_000_000_007L));
        Assert.Equal(sequential.Skip(10).Take(5).Select(s => s.Caption), first.Stream(10, 5).Select(s => s.Caption));
    }

    [Fact]
    public void DifferentSeedOrSplitGivesDifferentScenes()
    {
        var a = Make(new FashionScenesConfig { Seed = 1 });
        var b = Make(new FashionScenesConfig { Seed = 2 });
        var heldOut = Make(new FashionScenesConfig { Seed = 1 }, SceneSplit.HeldOut);
        int differentSeed = 0, differentSplit = 0;
        for (int i = 0; i < 100; i++)
        {
            var s = a.Generate(i);
            if (!s.Rgb.AsSpan().SequenceEqual(b.Generate(i).Rgb)) differentSeed++;
            if (!s.Rgb.AsSpan().SequenceEqual(heldOut.Generate(i).Rgb)) differentSplit++;
        }
        Assert.Equal(100, differentSeed);
        Assert.Equal(100, differentSplit);
    }

    [Fact]
    public void TrainScenesUseTrainImagesAndHeldOutScenesUseTestImages()
    {
        var data = SharedFashionMnist.Data;
        // Gray scenes at 28×28 are the source image itself, so the pixels prove which image was drawn.
        var raw = new FashionScenesConfig { Seed = 3, GrayShare = 1, MinLongSide = 28, MaxLongSide = 28, MaxAspectRatio = 1 };
        foreach (var (split, part) in new[] { (SceneSplit.Train, data.Train), (SceneSplit.HeldOut, data.Test) })
        {
            var scenes = Make(raw, split);
            Assert.Equal(split, scenes.Split);
            for (int i = 0; i < 200; i++)
            {
                var s = scenes.Generate(i);
                Assert.Equal(split, s.Split);
                var item = Assert.Single(s.Items);
                Assert.Null(item.ColorId);
                Assert.Equal(part.Label(item.SourceIndex), item.ClassId);
                var image = part.Image(item.SourceIndex);
                for (int p = 0; p < 784; p++)
                {
                    Assert.Equal(image[p], s.Rgb[3 * p]);
                    Assert.Equal(image[p], s.Rgb[3 * p + 2]);
                    Assert.Equal(image[p] >= 32 ? item.ClassId + 1 : 0, s.ClassMask[p]);
                }
            }
        }
        // Tinted scenes: every item's class is its source image's label in the split's own part, and
        // held-out sources cover the test range (indices < 10 000 only).
        var heldOut = Make(new FashionScenesConfig { Seed = 4, GrayShare = 0 }, SceneSplit.HeldOut);
        var train = Make(new FashionScenesConfig { Seed = 4, GrayShare = 0 }, SceneSplit.Train);
        int maxTrainSource = 0;
        for (int i = 0; i < 300; i++)
        {
            foreach (var item in heldOut.Generate(i).Items)
            {
                Assert.InRange(item.SourceIndex, 0, 9_999);
                Assert.Equal(data.Test.Label(item.SourceIndex), item.ClassId);
            }
            foreach (var item in train.Generate(i).Items)
            {
                Assert.Equal(data.Train.Label(item.SourceIndex), item.ClassId);
                maxTrainSource = Math.Max(maxTrainSource, item.SourceIndex);
            }
        }
        Assert.True(maxTrainSource >= 10_000, "train scenes should draw from all 60 000 training images");
    }

    [Fact]
    public void BoxesLieInTheCanvasAndMatchTheMaskExactly()
    {
        var scenes = Make(new FashionScenesConfig { Seed = 5 });
        for (int i = 0; i < 600; i++)
        {
            var s = scenes.Generate(i);
            Assert.Equal(s.Width * s.Height * 3, s.Rgb.Length);
            Assert.Equal(s.Width * s.Height, s.ClassMask.Length);
            Assert.InRange(s.Items.Count, 1, 4);
            for (int a = 0; a < s.Items.Count; a++)
            {
                Assert.True(s.Items[a].Box.FitsIn(s.Width, s.Height), $"scene {i}: box {s.Items[a].Box} outside {s.Width}x{s.Height}");
                for (int b = a + 1; b < s.Items.Count; b++) Assert.False(s.Items[a].Box.Overlaps(s.Items[b].Box));
            }
            // Independent of the generator: recompute each item's tight box from the mask alone.
            var tight = s.Items.Select(_ => (X0: int.MaxValue, Y0: int.MaxValue, X1: 0, Y1: 0)).ToArray();
            for (int y = 0; y < s.Height; y++)
            {
                for (int x = 0; x < s.Width; x++)
                {
                    int value = s.ClassMask[y * s.Width + x];
                    if (value == 0) continue;
                    int owner = -1;
                    for (int k = 0; k < s.Items.Count; k++) if (s.Items[k].Box.Contains(x, y)) owner = k;
                    Assert.True(owner >= 0, $"scene {i}: mask pixel ({x},{y}) outside every box");
                    Assert.Equal(s.Items[owner].ClassId + 1, value);
                    var t = tight[owner];
                    tight[owner] = (Math.Min(t.X0, x), Math.Min(t.Y0, y), Math.Max(t.X1, x + 1), Math.Max(t.Y1, y + 1));
                }
            }
            for (int k = 0; k < s.Items.Count; k++)
                Assert.Equal(s.Items[k].Box, new PixelBox(tight[k].X0, tight[k].Y0, tight[k].X1, tight[k].Y1));
            Assert.Equal(s.Items.Count, s.ReferringExpressions.Count);
            Assert.Equal(s.Items.Count, s.RegionCaptions.Count);
            for (int k = 0; k < s.Items.Count; k++)
            {
                Assert.Equal(s.Items[k].Box, s.ReferringExpressions[k].Box);
                Assert.Equal(s.Items[k].Box, s.RegionCaptions[k].Box);
            }
        }
    }

    [Fact]
    public void CanvasSizesAndAspectRatiosStayInRangeAndCoverIt()
    {
        var config = new FashionScenesConfig { Seed = 6, GrayShare = 0.1 };
        var scenes = Make(config);
        double minRatio = double.MaxValue, maxRatio = 0;
        int longSideMin = int.MaxValue, longSideMax = 0;
        for (int i = 0; i < 1500; i++)
        {
            var s = scenes.Generate(i);
            double ratio = (double)s.Width / s.Height;
            Assert.InRange(ratio, 0.25, 4.0);
            int longSide = Math.Max(s.Width, s.Height), shortSide = Math.Min(s.Width, s.Height);
            Assert.InRange(longSide, 28, 112);
            Assert.True(shortSide >= 16, $"scene {i}: {s.Width}x{s.Height}");
            if (s.Kind == SceneKind.GrayOriginal) Assert.Equal(s.Width, s.Height);
            minRatio = Math.Min(minRatio, ratio); maxRatio = Math.Max(maxRatio, ratio);
            longSideMin = Math.Min(longSideMin, longSide); longSideMax = Math.Max(longSideMax, longSide);
        }
        Assert.True(minRatio < 0.3 && maxRatio > 3.3, $"ratios {minRatio:F2}..{maxRatio:F2} do not span 1:4..4:1");
        Assert.True(longSideMin <= 32 && longSideMax >= 108, $"long sides {longSideMin}..{longSideMax}");
    }

    [Fact]
    public void SceneMixFollowsTheConfiguredShares()
    {
        var scenes = Make(new FashionScenesConfig { Seed = 7, GrayShare = 0.2, SingleItemShare = 0.4 });
        var counts = new Dictionary<SceneKind, int>();
        var itemCounts = new int[5];
        const int n = 2000;
        for (int i = 0; i < n; i++)
        {
            var s = scenes.Generate(i);
            counts[s.Kind] = counts.GetValueOrDefault(s.Kind) + 1;
            itemCounts[s.Items.Count]++;
            if (s.Kind == SceneKind.GrayOriginal)
            {
                for (int p = 0; p < s.Width * s.Height; p++)
                    Assert.True(s.Rgb[3 * p] == s.Rgb[3 * p + 1] && s.Rgb[3 * p] == s.Rgb[3 * p + 2]);
                Assert.Null(Assert.Single(s.Items).ColorId);
            }
            else Assert.All(s.Items, item => Assert.NotNull(item.ColorId));
        }
        Assert.InRange(counts[SceneKind.GrayOriginal] / (double)n, 0.17, 0.23);
        // Multi-item scenes where only one item fit count as single-item scenes, so that share can only grow.
        Assert.InRange(counts[SceneKind.SingleItem] / (double)n, 0.29, 0.38); // 0.8 · 0.4 = 0.32
        Assert.All(itemCounts.Skip(2), c => Assert.True(c > 100, $"item counts {string.Join(",", itemCounts)}"));

        var noGray = Make(new FashionScenesConfig { Seed = 7, GrayShare = 0, SingleItemShare = 1 });
        Assert.All(Enumerable.Range(0, 200).Select(i => noGray.Generate(i)), s => Assert.Equal(SceneKind.SingleItem, s.Kind));
    }

    [Fact]
    public void LanguageMixIsNinetyTenAndCaptionsAreInTheirLanguageScript()
    {
        var scenes = Make(new FashionScenesConfig { Seed = 8 });
        const int n = 2000;
        var byLanguage = new Dictionary<string, int>();
        for (int i = 0; i < n; i++)
        {
            var s = scenes.Generate(i);
            byLanguage[s.Language] = byLanguage.GetValueOrDefault(s.Language) + 1;
            AssertScript(s.Language, s.Caption);
            Assert.All(s.RegionCaptions, r => AssertScript(s.Language, r.Text));
        }
        Assert.InRange(byLanguage["en"] / (double)n, 0.87, 0.93);
        Assert.Equal(10, byLanguage.Count);
        Assert.All(byLanguage.Where(kv => kv.Key != "en"), kv => Assert.InRange(kv.Value, 5, 45));

        var onlyGerman = Make(new FashionScenesConfig { Seed = 8, EnglishShare = 0, Languages = ["de"] });
        Assert.All(Enumerable.Range(0, 50).Select(i => onlyGerman.Generate(i)), s => Assert.Equal("de", s.Language));
    }

    /// <summary>English text is pure ASCII; the other scripts are recognised by their Unicode blocks.</summary>
    private static void AssertScript(string language, string text)
    {
        bool Has(int lo, int hi) => text.Any(ch => ch >= lo && ch <= hi);
        switch (language)
        {
            case "en": Assert.True(text.All(char.IsAscii), text); break;
            case "ru": Assert.True(Has(0x0400, 0x04FF), text); break;
            case "zh": Assert.True(Has(0x4E00, 0x9FFF), text); break;
            case "ja": Assert.True(Has(0x30A0, 0x30FF), text); break; // Katakana (every Japanese class name uses it)
            case "ko": Assert.True(Has(0xAC00, 0xD7A3), text); break;
            case "ar": Assert.True(Has(0x0600, 0x06FF), text); break;
            case "hi": Assert.True(Has(0x0900, 0x097F), text); break;
            default: Assert.True(text.Any(char.IsLetter), text); break;
        }
    }

    [Fact]
    public void EnglishRelationCaptionsAgreeWithTheBoxes()
    {
        var english = CaptionLanguages.English;
        var scenes = Make(new FashionScenesConfig { Seed = 9, GrayShare = 0, SingleItemShare = 0, MaxItems = 2, RelationShare = 1, EnglishShare = 1, Languages = ["en"] });
        int checkedCount = 0;
        var seen = new HashSet<string>();
        for (int i = 0; i < 300; i++)
        {
            var s = scenes.Generate(i);
            if (s.Items.Count != 2) continue;
            string caption = s.Caption.TrimEnd('.');
            string? relation = new[] { " to the left of ", " left of ", " to the right of ", " right of ", " above ", " below " }
                .FirstOrDefault(caption.Contains);
            Assert.NotNull(relation);
            seen.Add(relation.Trim());
            int cut = caption.IndexOf(relation, StringComparison.Ordinal);
            string subject = caption[..cut], reference = caption[(cut + relation.Length)..];
            int si = s.Items.ToList().FindIndex(it => string.Equals(english.NounPhrase(it.Description), subject, StringComparison.OrdinalIgnoreCase));
            int ri = s.Items.ToList().FindIndex(it => english.NounPhrase(it.Description) == reference);
            Assert.True(si >= 0 && ri >= 0 && si != ri, s.Caption);
            PixelBox a = s.Items[si].Box, b = s.Items[ri].Box;
            bool holds = relation.Trim() switch
            {
                "to the left of" or "left of" => a.X1 <= b.X0,
                "to the right of" or "right of" => a.X0 >= b.X1,
                "above" => a.Y1 <= b.Y0,
                _ => a.Y0 >= b.Y1,
            };
            Assert.True(holds, $"{s.Caption} but boxes {a} and {b}");
            checkedCount++;
        }
        Assert.True(checkedCount > 200);
        Assert.Superset(new HashSet<string> { "left of", "right of", "above", "below" }, seen);
    }

    [Fact]
    public void ReferringExpressionsSingleOutTheirItem()
    {
        var scenes = Make(new FashionScenesConfig { Seed = 10, GrayShare = 0, SingleItemShare = 0 });
        for (int i = 0; i < 300; i++)
        {
            var s = scenes.Generate(i);
            Assert.Equal(s.ReferringExpressions.Count, s.ReferringExpressions.Select(r => r.Text).Distinct().Count());
            Assert.Equal(s.RegionCaptions.Count, s.RegionCaptions.Select(r => r.Text).Distinct().Count());
            for (int k = 0; k < s.Items.Count; k++)
            {
                var language = CaptionLanguages.Get(s.Language);
                string color = language.ColorName(s.Items[k].ColorId!.Value);
                bool classRepeats = s.Items.Count(it => it.ClassId == s.Items[k].ClassId) > 1;
                Assert.Contains(language.ClassName(s.Items[k].ClassId), s.ReferringExpressions[k].Text);
                // The colour is named exactly when the class alone is ambiguous (first 3 letters: stems of inflected forms).
                if (s.Language is "en" or "zh" or "ja" or "ko")
                    Assert.Equal(classRepeats, s.ReferringExpressions[k].Text.Contains(color));
            }
        }
    }

    [Fact]
    public void GeneratesWellOverFiveHundredScenesPerSecondOnOneCore()
    {
        var scenes = Make(new FashionScenesConfig { Seed = 11 });
        for (int i = 0; i < 200; i++) scenes.Generate(i);
        var watch = Stopwatch.StartNew();
        const int n = 3000;
        long pixels = 0;
        for (int i = 0; i < n; i++) pixels += scenes.Generate(i).ClassMask.Length;
        double perSecond = n / watch.Elapsed.TotalSeconds;
        output.WriteLine($"{perSecond:F0} scenes/s on one thread ({pixels / (double)n:F0} pixels per scene on average)");
        Assert.True(perSecond > 500, $"{perSecond:F0} scenes/s");
    }

    [Fact]
    public void InvalidConfigIsAOneLineError()
    {
        var bad = new[]
        {
            new FashionScenesConfig { MaxLongSide = 20 },
            new FashionScenesConfig { MaxAspectRatio = 10 },
            new FashionScenesConfig { SingleItemShare = -0.1 },
            new FashionScenesConfig { EnglishShare = 1.5 },
            new FashionScenesConfig { Languages = ["en", "xx"] },
            new FashionScenesConfig { MaxItems = 5 },
            new FashionScenesConfig { EnglishShare = 0.5, Languages = ["en"] },
        };
        foreach (var config in bad)
        {
            var e = Assert.Throws<Siglip2Exception>(config.Validate);
            Assert.DoesNotContain('\n', e.Message);
        }
        new FashionScenesConfig().Validate();
    }
}
