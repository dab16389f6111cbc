namespace Siglip2.Data;

/// <summary>
/// Training batches of a FashionScenes stream passed through an <see cref="AttributeBalancing"/> filter: batch s is
/// the first B kept scenes of the window s·W·B … (s+1)·W·B − 1, so batch s depends on s alone (a resumed run sees the
/// same batches) and every step costs the same. Should a window keep fewer than B scenes, the rest of the batch is
/// taken from the window's dropped scenes, in order, and counted in <see cref="Shortfall"/> (with the default W = 2
/// this needs a filter that drops more than half of a window).
/// </summary>
public sealed class BalancedSceneWindows(FashionScenes scenes, AttributeBalancing balancing, int window = 2)
{
    private long _shortfall;

    public int Window { get; } = window >= 1 ? window : throw new Siglip2Exception($"the balancing window must be ≥ 1 batch, got {window}");

    /// <summary>Dropped scenes that had to fill a batch so far (0 when every window kept enough).</summary>
    public long Shortfall => Interlocked.Read(ref _shortfall);

    public IReadOnlyList<Scene> Batch(long step, int batchSize)
    {
        var kept = new List<Scene>(batchSize);
        var dropped = new List<Scene>();
        long first = step * Window * batchSize;
        for (long i = first; i < first + (long)Window * batchSize && kept.Count < batchSize; i++)
        {
            var scene = scenes.Generate(i);
            if (balancing.Keeps(scene)) kept.Add(scene);
            else dropped.Add(scene);
        }
        if (kept.Count < batchSize)
        {
            Interlocked.Add(ref _shortfall, batchSize - kept.Count);
            kept.AddRange(dropped.Take(batchSize - kept.Count));
        }
        return kept;
    }
}
