using Siglip2.Tasks.Evaluation;
using TorchSharp;

namespace Siglip2.Tests.Evaluation;

public class RetrievalMetricsTests
{
    [Fact]
    public void MultiCaptionImagesCountWhenAnyOwnCaptionRanksInTopK()
    {
        // 3 images × 5 captions; captions 0,1 are image 0's, caption 2 image 1's, captions 3,4 image 2's.
        var sim = torch.tensor(new float[]
        {
            0.9f, 0.1f, 0.8f, 0.2f, 0.3f, // image 0: best own 0.9, nothing above → rank 0
            0.5f, 0.4f, 0.3f, 0.6f, 0.7f, // image 1: own 0.3, four above → rank 4
            0.2f, 0.9f, 0.1f, 0.3f, 0.8f, // image 2: best own 0.8, one above (0.9) → rank 1
        }, [3, 5]);
        var r = RetrievalMetrics.FromSimilarity(sim, [0, 0, 1, 2, 2]);
        Assert.Equal((3, 5), (r.Images, r.Captions));
        Assert.Equal(1.0 / 3, r.ImageToTextR1, 12);
        Assert.Equal(1.0, r.ImageToTextR5, 12);
        Assert.Equal(1.0, r.ImageToTextR10, 12);
        // captions as queries over the 3 images (columns): ranks 0, 2, 1, 1, 0
        Assert.Equal(2.0 / 5, r.TextToImageR1, 12);
        Assert.Equal(1.0, r.TextToImageR5, 12);
    }

    [Fact]
    public void RanksBeyondFiveAndTenAreCountedByHand()
    {
        // 12 images, one caption each on the diagonal (0.5); image i has ranks[i] other captions at 0.9, the rest 0.1.
        int[] ranks = [0, 0, 1, 4, 5, 9, 10, 11, 3, 2, 7, 6];
        var values = new float[12 * 12];
        for (int i = 0; i < 12; i++)
        {
            int above = 0;
            for (int j = 0; j < 12; j++)
                values[i * 12 + j] = i == j ? 0.5f : above++ < ranks[i] ? 0.9f : 0.1f;
        }
        var r = RetrievalMetrics.FromSimilarity(torch.tensor(values, [12, 12]), Enumerable.Range(0, 12).ToArray());
        Assert.Equal(2.0 / 12, r.ImageToTextR1, 12);   // ranks 0, 0
        Assert.Equal(6.0 / 12, r.ImageToTextR5, 12);   // 0, 0, 1, 4, 3, 2
        Assert.Equal(10.0 / 12, r.ImageToTextR10, 12); // all but 10 and 11
    }

    [Fact]
    public void TiesResolveInTheQuerysFavour()
    {
        var sim = torch.tensor(new float[] { 0.5f, 0.5f, 0.5f, 0.5f }, [2, 2]);
        var r = RetrievalMetrics.FromSimilarity(sim, [0, 1]);
        Assert.Equal(1.0, r.ImageToTextR1);
        Assert.Equal(1.0, r.TextToImageR1);
    }

    [Fact]
    public void BlockwiseComputeEqualsANaiveLoop()
    {
        // 7 images with 1–3 captions each, random unit vectors; blocks of 3 queries force several partial blocks.
        var rng = new Random(5);
        int[] owner = [0, 0, 1, 2, 2, 2, 3, 4, 4, 5, 6, 6];
        const int d = 8;
        float[][] Unit(int n) => Enumerable.Range(0, n).Select(_ =>
        {
            var v = Enumerable.Range(0, d).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            float norm = MathF.Sqrt(v.Sum(x => x * x));
            return v.Select(x => x / norm).ToArray();
        }).ToArray();
        var images = Unit(7);
        var captions = Unit(owner.Length);
        double Dot(float[] a, float[] b) { double s = 0; for (int k = 0; k < d; k++) s += (double)a[k] * b[k]; return s; }

        // naive: for each query count candidates with a strictly higher score than its best positive
        var i2t = new int[7];
        for (int i = 0; i < 7; i++)
        {
            double best = Enumerable.Range(0, owner.Length).Where(t => owner[t] == i).Max(t => Dot(images[i], captions[t]));
            i2t[i] = Enumerable.Range(0, owner.Length).Count(t => Dot(images[i], captions[t]) > best);
        }
        var t2i = new int[owner.Length];
        for (int t = 0; t < owner.Length; t++)
        {
            double own = Dot(images[owner[t]], captions[t]);
            t2i[t] = Enumerable.Range(0, 7).Count(i => Dot(images[i], captions[t]) > own);
        }
        double At(int[] r, int k) => r.Count(x => x < k) / (double)r.Length;

        using var img = torch.tensor(images.SelectMany(v => v).ToArray(), [7, d]);
        using var cap = torch.tensor(captions.SelectMany(v => v).ToArray(), [owner.Length, d]);
        var got = RetrievalMetrics.Compute(img, cap, owner, block: 3);
        Assert.Equal(At(i2t, 1), got.ImageToTextR1, 12);
        Assert.Equal(At(i2t, 5), got.ImageToTextR5, 12);
        Assert.Equal(At(i2t, 10), got.ImageToTextR10, 12);
        Assert.Equal(At(t2i, 1), got.TextToImageR1, 12);
        Assert.Equal(At(t2i, 5), got.TextToImageR5, 12);
        Assert.Equal(At(t2i, 10), got.TextToImageR10, 12);
        Assert.True(At(i2t, 1) < 1 && At(t2i, 1) < 1, "the random case should not be trivially perfect");
    }

    [Fact]
    public void AnImageWithoutCaptionsIsRefused()
    {
        var sim = torch.zeros(3, 2);
        Assert.Throws<ArgumentException>(() => RetrievalMetrics.FromSimilarity(sim, [0, 0]));
    }
}
