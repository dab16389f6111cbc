using Siglip2.Data;
using Siglip2.Tasks.Evaluation;
using Siglip2.Tests.Data;
using Siglip2.Training;

namespace Siglip2.Tests.Tasks;

public class AspectRatioScenesTests
{
    private static readonly FashionScenesConfig Tiny = TrainingRecipe.Get("tiny").Scenes;

    [Fact]
    public void ExtremeSetHoldsOnlyStripsOfAtLeastThreeToOne()
    {
        var heldOut = new FashionScenes(SharedFashionMnist.Data, Tiny, SceneSplit.HeldOut);
        var extreme = AspectRatioScenes.Extreme(heldOut, 3.0, 80);
        Assert.Equal(80, extreme.Count);
        Assert.All(extreme, s => Assert.True(Math.Max(s.Width, s.Height) >= 3 * Math.Min(s.Width, s.Height), $"{s.Width}×{s.Height}"));
        Assert.All(extreme, s => Assert.Equal(SceneSplit.HeldOut, s.Split));
        Assert.Contains(extreme, s => s.Width > s.Height);     // wide strips
        Assert.Contains(extreme, s => s.Height > s.Width);     // and tall ones
        Assert.Contains(extreme, s => s.Items.Count == 1);     // single-item scenes for zero-shot
        // in stream order, and the same selection every time
        Assert.True(extreme.Zip(extreme.Skip(1)).All(p => p.First.Index < p.Second.Index));
        Assert.Equal(extreme.Select(s => s.Index), AspectRatioScenes.Extreme(heldOut, 3.0, 80).Select(s => s.Index));

        var square = AspectRatioScenes.NearSquare(heldOut, 1.5, 80);
        Assert.All(square, s => Assert.True(2 * Math.Max(s.Width, s.Height) <= 3 * Math.Min(s.Width, s.Height) && s.Kind != SceneKind.GrayOriginal));
    }

    [Fact]
    public void DedicatedSetReachesLongerStripsAndImpossibleRequestsAreRefused()
    {
        var config = AspectRatioScenes.ExtremeConfig(Tiny, 5.0, 6.0);
        Assert.True(config.MaxLongSide >= 6 * config.MinShortSide);
        var strips = AspectRatioScenes.Extreme(new FashionScenes(SharedFashionMnist.Data, config, SceneSplit.HeldOut), 5.0, 30);
        Assert.All(strips, s => Assert.InRange((double)Math.Max(s.Width, s.Height) / Math.Min(s.Width, s.Height), 5.0, 6.0 + 1e-9));
        var e = Assert.Throws<Siglip2Exception>(() => AspectRatioScenes.ExtremeConfig(Tiny, 5.0, null));
        Assert.Contains("up to 4:1", e.Message);
        Assert.Throws<Siglip2Exception>(() => AspectRatioScenes.ExtremeConfig(Tiny, 3.0, 2.0));
        Assert.Throws<Siglip2Exception>(() => AspectRatioScenes.Extreme(new FashionScenes(SharedFashionMnist.Data, Tiny, SceneSplit.Train), 3.0, 5));
    }
}
