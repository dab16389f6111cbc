using Siglip2.Processing.Text;

namespace Siglip2.Training;

/// <summary>
/// LocCa targets of data that has captions but no boxes (the user's image–text pairs): one captioning row per image
/// (SigLIP 2 §2.2's first task), decoded in parallel (CapPa: every answer input replaced by the mask token, no causal
/// mask) with probability <see cref="ParallelShare"/>, causally otherwise. The choice is drawn from a generator seeded
/// by (seed, the sample's global index): a function of the data order alone, the same for every rank and a resumed run.
/// No referring-expression or grounded-caption rows: they need boxes (<see cref="LoccaTargetBuilder"/> makes them on FashionScenes).
/// </summary>
public sealed class CaptionTargetBuilder : LoccaSequences
{
    public long Seed { get; }
    public double ParallelShare { get; }

    public CaptionTargetBuilder(SiglipTextProcessor text, int length, long seed, double parallelShare = 0.5)
        : base(text, length)
    {
        if (parallelShare is < 0 or > 1) throw new Siglip2Exception($"parallel-prediction share must be in [0, 1], got {parallelShare}");
        Seed = seed; ParallelShare = parallelShare;
    }

    /// <summary>Whether the captioning row of global sample <paramref name="sampleIndex"/> is decoded causally.</summary>
    public bool IsCausal(long sampleIndex) =>
        new Random(unchecked((int)(Seed * 1_000_003 + sampleIndex * 7_919))).NextDouble() >= ParallelShare;

    /// <param name="captions">row i's caption.</param>
    /// <param name="firstSampleIndex">global index of row 0's sample; row i is sample firstSampleIndex + i.</param>
    public LoccaExamples Build(IReadOnlyList<string> captions, long firstSampleIndex)
    {
        int n = captions.Count;
        var inputs = new long[n * Length];
        var targets = new long[n * Length];
        var causal = new bool[n];
        var lengths = new int[n];
        for (int i = 0; i < n; i++)
        {
            causal[i] = IsCausal(firstSampleIndex + i);
            var (rowInputs, rowTargets, length) = Sequence(CaptionTaskId, null, Tokens(captions[i]), causal[i]);
            Array.Copy(rowInputs, 0, inputs, i * Length, Length);
            Array.Copy(rowTargets, 0, targets, i * Length, Length);
            lengths[i] = length;
        }
        return new LoccaExamples(inputs, targets, causal, lengths, n, Length);
    }
}
