using Siglip2.Processing.Text;

namespace Siglip2.Training;

/// <summary>
/// Decoder sequences of one batch, row-major (Count × Length): <see cref="Inputs"/> (padded with the pad id),
/// <see cref="Targets"/> (the next token at answer positions, <see cref="LoccaSequences.IgnoreIndex"/> elsewhere),
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

