using Siglip2.Data;
using Siglip2.Tasks.Evaluation;
using Xunit;

namespace Siglip2.Tests.Tasks;

public class DenseAndReferringEvaluationTests
{
    [Fact]
    public void IouOfHandPlacedBoxes()
    {
        // 4×4 and 4×4 overlapping in 2×4: 8 / (16 + 16 − 8) = 1/3
        Assert.Equal(1.0 / 3, ReferringExpressionEvaluation.Iou(new PixelBox(0, 0, 4, 4), new PixelBox(2, 0, 6, 4)), 12);
        Assert.Equal(1.0, ReferringExpressionEvaluation.Iou(new PixelBox(1, 2, 5, 9), new PixelBox(1, 2, 5, 9)), 12);
        Assert.Equal(0.0, ReferringExpressionEvaluation.Iou(new PixelBox(0, 0, 2, 2), new PixelBox(2, 2, 4, 4)), 12);
        // 10×10 inside 10×20: 100 / 200
        Assert.Equal(0.5, ReferringExpressionEvaluation.Iou(new PixelBox(0, 0, 10, 10), new PixelBox(0, 0, 10, 20)), 12);
    }

    [Fact]
    public void MeanIouOverPresentLabels()
    {
        long[] truth = [0, 0, 1, 1, 2];
        long[] predicted = [0, 1, 1, 1, 0];
        // label 0: inter 1, union {0,1,4} = 3; label 1: inter 2, union {1,2,3} = 3; label 2: inter 0, union 1; label 3 absent
        double expected = (1.0 / 3 + 2.0 / 3 + 0) / 3;
        Assert.Equal(expected, DenseFeatureProbe.MeanIou(predicted, truth, 11), 12);
    }

    [Fact]
    public void PatchLabelsTakeTheMajorityInsideEachPatch()
    {
        // 4×2 mask on a 2×2 grid: patches are 2 wide, 1 high
        byte[] mask =
        [
            3, 3, 0, 5,
            0, 0, 7, 7,
        ];
        var labels = DenseFeatureProbe.PatchLabels(mask, 4, 2, 2);
        // top-left: {3,3} → 3; top-right: {0,5} tie → 0 (smaller); bottom-left: {0,0} → 0; bottom-right: {7,7} → 7
        Assert.Equal(new long[] { 3, 0, 0, 7 }, labels);
    }
}
