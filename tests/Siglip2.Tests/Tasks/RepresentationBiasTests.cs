using Siglip2.Tasks.Evaluation;

namespace Siglip2.Tests.Tasks;

/// <summary>The bias measures on hand-made margins whose shares are worked out by hand.</summary>
public class RepresentationBiasTests
{
    [Fact]
    public void SharesAndBiasesOfHandMadeMargins()
    {
        // class 0: 3 of 4 prefer Aster; class 1: 1 of 4 (one tie = half); class 2: 2 of 2
        int[] classes = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
        float[] margins = [0.1f, 0.2f, -0.3f, 0.4f, -0.1f, 0f, -0.2f, 0.5f, 0.3f, 0.2f];
        var r = RepresentationBias.FromMargins(classes, margins);
        Assert.Equal(0.75, r.AsterPreference[0], 12);
        Assert.Equal(1.5 / 4, r.AsterPreference[1], 12);
        Assert.Equal(1.0, r.AsterPreference[2], 12);
        Assert.True(double.IsNaN(r.AsterPreference[3]));
        Assert.Equal(6.5 / 10, r.Overall, 12);
        Assert.Equal(0.15, r.FirstOrder, 12);
        Assert.Equal((0.25 + 0.125 + 0.5) / 3, r.ByClass, 12);
        Assert.Equal(10, r.Images);
        Assert.Throws<Siglip2Exception>(() => RepresentationBias.FromMargins([0], []));
    }

    [Fact]
    public void AnUnbiasedModelScoresZero()
    {
        int[] classes = [0, 0, 1, 1];
        var r = RepresentationBias.FromMargins(classes, [1f, -1f, -2f, 2f]);
        Assert.Equal(0, r.FirstOrder, 12);
        Assert.Equal(0, r.ByClass, 12);
    }
}
