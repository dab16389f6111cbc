using Siglip2.Data;
using Siglip2.Modeling;
using Siglip2.Processing.Text;

namespace Siglip2.Training;

/// <summary>
/// Decoder sequences of one batch, row-major (Count × Length): <see cref="Inputs"/> (padded with the pad id),
/// <see cref="Targets"/> (the next token at answer positions, <see cref="LoccaTargetBuilder.IgnoreIndex"/> elsewhere),
/// whether each row is decoded causally (teacher forcing) or in parallel (CapPa), and each row's input length.
/// </summary>
public sealed record LoccaExamples(long[] Inputs, long[] Targets, bool[] Causal, int[] Lengths, int Count, int Length)
{
    /// <summary>The same rows cut to the longest input (trailing columns that are padding in every row dropped).</summary>
    public LoccaExamples Trimmed()
    {
        int l = Math.Max(1, Lengths.Max());
        if (l == Length) return this;
        var inputs = new long[Count * l];
        var targets = new long[Count * l];
        for (int r = 0; r < Count; r++)
        {
            Array.Copy(Inputs, r * Length, inputs, r * l, l);
            Array.Copy(Targets, r * Length, targets, r * l, l);
        }
        return this with { Inputs = inputs, Targets = targets, Length = l };
    }
}

/// <summary>
/// Builds the three LocCa targets of every scene (SigLIP 2 §2.2): (1) captioning — the scene caption; (2) referring
/// expression — prompt = a region description, answer = its box as location text (<see cref="LocationTokens"/>);
/// (3) grounded captioning — prompt = a box, answer = that region's description. A sequence is
/// [task token] + prompt tokens + EOS (when there is a prompt) + answer tokens + EOS; the decoder input is the
/// sequence without its last token and the target is the sequence shifted by one, counted only where the target is an
/// answer token. Captioning rows are decoded in parallel (every input replaced by the mask token, no causal mask) with
/// probability <see cref="ParallelShare"/>, causally otherwise; prompted rows are always causal. The region (and the
/// parallel/causal choice) of a scene is drawn from a generator seeded by (seed, scene index): a deterministic
/// function of the data. Rows are ordered [captions of all scenes, referring rows, grounded-caption rows].
/// </summary>
public sealed class LoccaTargetBuilder
{
    public const long IgnoreIndex = -100;

    private readonly SiglipTextProcessor _text;
    private readonly LocationTokens _locations;

    public int Length { get; }
    public int VocabSize { get; }
    public long Seed { get; }
    public double ParallelShare { get; }
    public LoccaTokenIds TokenIds => new(VocabSize);
    public long MaskId => TokenIds.Mask;
    public long CaptionTaskId => TokenIds.CaptionTask;
    public long ReferringTaskId => TokenIds.ReferringTask;
    public long GroundedCaptionTaskId => TokenIds.GroundedCaptionTask;
    public long EosId => _text.Settings.EosId ?? 1;
    private long PadId => _text.Settings.PadId;

    public LoccaTargetBuilder(SiglipTextProcessor text, LocationTokens locations, int length, long seed, double parallelShare = 0.5)
    {
        if (length < 4) throw new Siglip2Exception($"LocCa sequence length must be ≥ 4, got {length}");
        if (parallelShare is < 0 or > 1) throw new Siglip2Exception($"parallel-prediction share must be in [0, 1], got {parallelShare}");
        _text = text; _locations = locations; Length = length; Seed = seed; ParallelShare = parallelShare;
        VocabSize = text.Tokenizer.VocabularySize;
    }

    /// <summary>Content tokens of a text (the text pipeline's lowercasing, no special tokens).</summary>
    public int[] Tokens(string text) => _text.Tokenizer.Encode(TextLowercasing.Apply(text, _text.Settings.Lowercase));

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

    /// <summary>One row: (inputs, targets, input length), each array of <see cref="Length"/>.</summary>
    public (long[] Inputs, long[] Targets, int InputLength) Sequence(long task, int[]? prompt, int[] answer, bool causal)
    {
        var seq = new List<long> { task };
        if (prompt is not null) { seq.AddRange(prompt.Select(t => (long)t)); seq.Add(EosId); }
        int answerStart = seq.Count;
        seq.AddRange(answer.Select(t => (long)t));
        seq.Add(EosId);
        if (seq.Count > Length + 1) seq.RemoveRange(Length + 1, seq.Count - Length - 1);
        int inputLength = seq.Count - 1;
        var inputs = new long[Length];
        var targets = new long[Length];
        for (int i = 0; i < Length; i++)
        {
            inputs[i] = i < inputLength ? (!causal && i >= answerStart - 1 ? MaskId : seq[i]) : PadId;
            targets[i] = i < inputLength && i + 1 >= answerStart ? seq[i + 1] : IgnoreIndex;
        }
        return (inputs, targets, inputLength);
    }

    /// <summary>Text of decoded tokenizer ids (decoder-only ids dropped).</summary>
    public string Decode(IEnumerable<long> ids) => _text.Tokenizer.Decode(ids.Where(t => t < VocabSize).Select(t => (int)t)).Trim();

    /// <summary>Decoder prompt for greedy decoding: [task] + prompt + EOS (the answer follows).</summary>
    public long[] Prompt(long task, int[] prompt) => [task, .. prompt.Select(t => (long)t), EosId];
}
