using Siglip2.Configuration;

namespace Siglip2.Processing.Text;

/// <summary>
/// The text side of the LocCa decoder (SigLIP 2 §2.2): a sequence is [task token] + prompt tokens + EOS (when there is
/// a prompt) + answer tokens + EOS, in the checkpoint's tokenizer plus the decoder-only ids of
/// <see cref="LoccaTokenIds"/>. <see cref="Sequence"/> makes a training row (inputs without the last token, targets
/// shifted by one and counted only on the answer; parallel/CapPa rows have every answer input replaced by the mask
/// token), <see cref="Prompt"/> the start of a greedy decode, <see cref="Decode"/> the answer's text. Training builds
/// its targets from scenes with it (<c>Training.LoccaTargetBuilder</c>); the referring-expression evaluation prompts
/// and decodes with it.
/// </summary>
public class LoccaSequences
{
    /// <summary>Target of positions that are not counted (prompt, padding), as PyTorch's cross-entropy default.</summary>
    public const long IgnoreIndex = -100;

    private readonly SiglipTextProcessor _text;

    /// <summary>Decoder sequence length (inputs per row).</summary>
    public int Length { get; }
    /// <summary>The tokenizer's vocabulary; the decoder-only ids follow it.</summary>
    public int VocabSize { get; }
    public LoccaTokenIds TokenIds => new(VocabSize);
    public long MaskId => TokenIds.Mask;
    public long CaptionTaskId => TokenIds.CaptionTask;
    public long ReferringTaskId => TokenIds.ReferringTask;
    public long GroundedCaptionTaskId => TokenIds.GroundedCaptionTask;
    public long EosId => _text.Settings.EosId ?? 1;
    protected long PadId => _text.Settings.PadId;

    public LoccaSequences(SiglipTextProcessor text, int length)
    {
        if (length < 4) throw new Siglip2Exception($"LocCa sequence length must be ≥ 4, got {length}");
        _text = text;
        Length = length;
        VocabSize = text.Tokenizer.VocabularySize;
    }

    /// <summary>Content tokens of a text (the text pipeline's lowercasing, no special tokens).</summary>
    public int[] Tokens(string text) => _text.Tokenizer.Encode(TextLowercasing.Apply(text, _text.Settings.Lowercase));

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
