namespace Siglip2.Tests.Evaluation;

/// <summary>
/// A second, deliberately plain implementation of the retrieval and zero-shot metrics (nested loops over float
/// arrays in double precision) that the tests compare the library against.
/// </summary>
internal static class NaiveRetrieval
{
    public static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++) s += (double)a[k] * b[k];
        return s;
    }

    /// <summary>
    /// Ranks of every image query (captions above its best own caption) and every caption query (images above its own).
    /// Also asserts that no other candidate scores within <paramref name="margin"/> of a query's positive: two float32
    /// paths (different batching) may round differently, so a closer call would make the expected rank a coin toss.
    /// </summary>
    public static (int[] ImageRanks, int[] CaptionRanks) Ranks(float[][] images, float[][] captions, int[] owner, double margin = 1e-5)
    {
        double closest = double.PositiveInfinity;
        var i2t = new int[images.Length];
        for (int i = 0; i < images.Length; i++)
        {
            int bestCaption = Enumerable.Range(0, captions.Length).Where(t => owner[t] == i).MaxBy(t => Dot(images[i], captions[t]));
            double best = Dot(images[i], captions[bestCaption]);
            i2t[i] = Enumerable.Range(0, captions.Length).Count(t => Dot(images[i], captions[t]) > best);
            foreach (int t in Enumerable.Range(0, captions.Length).Where(t => t != bestCaption))
                closest = Math.Min(closest, Math.Abs(Dot(images[i], captions[t]) - best));
        }
        var t2i = new int[captions.Length];
        for (int t = 0; t < captions.Length; t++)
        {
            double own = Dot(images[owner[t]], captions[t]);
            t2i[t] = Enumerable.Range(0, images.Length).Count(i => Dot(images[i], captions[t]) > own);
            foreach (int i in Enumerable.Range(0, images.Length).Where(i => i != owner[t]))
                closest = Math.Min(closest, Math.Abs(Dot(images[i], captions[t]) - own));
        }
        Assert.True(closest > margin, $"test data too close to a tie: a candidate scores {closest:E2} from a positive");
        return (i2t, t2i);
    }

    public static double RecallAt(int[] ranks, int k) => ranks.Count(r => r < k) / (double)ranks.Length;

    /// <summary>Mean of unit vectors, re-normalised (the class embedding of a prompt ensemble).</summary>
    public static float[] NormalisedMean(IEnumerable<float[]> vectors)
    {
        var list = vectors.ToList();
        var mean = new double[list[0].Length];
        foreach (var v in list) for (int k = 0; k < mean.Length; k++) mean[k] += v[k] / list.Count;
        double norm = Math.Sqrt(mean.Sum(x => x * x));
        return mean.Select(x => (float)(x / norm)).ToArray();
    }
}
