using Siglip2.Data;
using Siglip2.Processing.Text;

namespace Siglip2.Training;

/// <summary>
/// Builds the three LocCa targets of every scene (SigLIP 2 §2.2) as <see cref="LoccaSequences"/> rows: (1) captioning —
/// the scene caption; (2) referring expression — prompt = a region description, answer = its box as location text
/// (<see cref="LocationTokens"/>); (3) grounded captioning — prompt = a box, answer = that region's description.
/// Captioning rows are decoded in parallel (every input replaced by the mask token, no causal mask) with probability
/// <see cref="ParallelShare"/>, causally otherwise; prompted rows are always causal. The region (and the
/// parallel/causal choice) of a scene is drawn from a generator seeded by (seed, scene index): a deterministic
/// function of the data. Rows are ordered [captions of all scenes, referring rows, grounded-caption rows].
/// </summary>
public sealed class LoccaTargetBuilder : LoccaSequences
{
    private readonly LocationTokens _locations;

    public long Seed { get; }
    public double ParallelShare { get; }

    public LoccaTargetBuilder(SiglipTextProcessor text, LocationTokens locations, int length, long seed, double parallelShare = 0.5)
        : base(text, length)
    {
        if (parallelShare is < 0 or > 1) throw new Siglip2Exception($"parallel-prediction share must be in [0, 1], got {parallelShare}");
        _locations = locations; Seed = seed; ParallelShare = parallelShare;
    }

    public LoccaExamples Build(IReadOnlyList<Scene> scenes)
    {
        int n = scenes.Count, rows = 3 * n;
        var inputs = new long[rows * Length];
        var targets = new long[rows * Length];
        var causal = new bool[rows];
        var lengths = new int[rows];
        for (int i = 0; i < n; i++)
        {
            var scene = scenes[i];
            var rng = new Random(unchecked((int)(Seed * 1_000_003 + scene.Index * 7_919 + (int)scene.Split * 104_729)));
            bool parallel = rng.NextDouble() < ParallelShare;
            Fill(i, CaptionTaskId, null, Tokens(scene.Caption), !parallel);
            var refer = scene.ReferringExpressions[rng.Next(scene.ReferringExpressions.Count)];
            Fill(n + i, ReferringTaskId, Tokens(refer.Text), Tokens(_locations.Encode(refer.Box, scene.Width, scene.Height)), true);
            var region = scene.RegionCaptions[rng.Next(scene.RegionCaptions.Count)];
            Fill(2 * n + i, GroundedCaptionTaskId, Tokens(_locations.Encode(region.Box, scene.Width, scene.Height)), Tokens(region.Text), true);
        }
        return new LoccaExamples(inputs, targets, causal, lengths, rows, Length);

        void Fill(int row, long task, int[]? prompt, int[] answer, bool isCausal)
        {
            var (seqInputs, seqTargets, length) = Sequence(task, prompt, answer, isCausal);
            Array.Copy(seqInputs, 0, inputs, row * Length, Length);
            Array.Copy(seqTargets, 0, targets, row * Length, Length);
            causal[row] = isCausal;
            lengths[row] = length;
        }
    }
}
