namespace Siglip2.Data;

/// <summary>Which statistics <see cref="AttributeBalancing"/> equalises.</summary>
public enum BalancingOrder
{
    /// <summary>Attribute prevalence: as many Aster as Boreal captions overall.</summary>
    FirstOrder,
    /// <summary>Attribute × class co-occurrence: as many Aster as Boreal captions within every item class (which also
    /// balances the prevalence).</summary>
    SecondOrder,
}

/// <summary>
/// A data-balancing filter over the training stream, after the first- and second-order balancing of Alabdulmohsin et
/// al., "CLIP the Bias" (2024), which SigLIP 2 applies to its data: from counts measured on a calibration sample of the
/// stream, each attributed example is kept with the probability that brings its (class, attribute) cell — or its
/// attribute alone, first order — down to the smallest cell of its group (subsampling the over-represented side, as
/// the cited method's filtering does; examples that name no attribute are always kept). The decision for scene i is
/// a pure function of (seed, i), so a resumed run filters the same scenes.
/// </summary>
public sealed class AttributeBalancing
{
    private readonly double[,] _keep; // [class, attribute]

    private AttributeBalancing(double[,] keep, long seed, BalancingOrder order, long[,] counts)
    {
        _keep = keep;
        Seed = seed;
        Order = order;
        Counts = counts;
    }

    public long Seed { get; }
    public BalancingOrder Order { get; }

    /// <summary>The calibration counts, [class, attribute].</summary>
    public long[,] Counts { get; }

    /// <summary>Counts (class, attribute) over <paramref name="sample"/> and derives the keep probabilities.</summary>
    public static AttributeBalancing Calibrate(IEnumerable<Scene> sample, BalancingOrder order, long seed)
    {
        var counts = new long[FashionMnist.ClassCount, 2];
        foreach (var scene in sample)
            if (scene.Attribute is int a) counts[scene.Items[0].ClassId, a]++;
        var keep = new double[FashionMnist.ClassCount, 2];
        if (order == BalancingOrder.SecondOrder)
        {
            for (int c = 0; c < FashionMnist.ClassCount; c++)
                for (int a = 0; a < 2; a++)
                    keep[c, a] = counts[c, a] == 0 ? 1 : (double)Math.Min(counts[c, 0], counts[c, 1]) / counts[c, a];
        }
        else
        {
            long[] total = [0, 0];
            for (int c = 0; c < FashionMnist.ClassCount; c++) { total[0] += counts[c, 0]; total[1] += counts[c, 1]; }
            for (int c = 0; c < FashionMnist.ClassCount; c++)
                for (int a = 0; a < 2; a++)
                    keep[c, a] = total[a] == 0 ? 1 : (double)Math.Min(total[0], total[1]) / total[a];
        }
        return new AttributeBalancing(keep, seed, order, counts);
    }

    /// <summary>The probability that the scene is kept (1 for a caption without attribute).</summary>
    public double KeepProbability(Scene scene) => scene.Attribute is int a ? _keep[scene.Items[0].ClassId, a] : 1;

    /// <summary>Whether scene <see cref="Scene.Index"/> is kept: a uniform draw of (seed, index) below its keep probability.</summary>
    public bool Keeps(Scene scene)
    {
        double p = KeepProbability(scene);
        return p >= 1 || new SceneRandom(Seed, FilterStream, scene.Index).NextDouble() < p;
    }

    private const long FilterStream = 2000;
}
