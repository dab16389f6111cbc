using Siglip2.Processing.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// Token cross-entropy of decoder hidden states through an LM head, computed over the sequence in chunks of
/// positions so that at most (N · chunk · vocab) logits exist at once in the forward pass; only the counted positions go
/// through the head. Targets equal to
/// <see cref="LoccaSequences.IgnoreIndex"/> (prompt and padding positions) are left out; the result is the
/// mean over the counted tokens (0 when there are none), identical to the cross-entropy of the full logits.
/// </summary>
public static class ChunkedCrossEntropy
{
    public static Tensor Compute(Tensor hidden, Func<Tensor, Tensor> head, Tensor targets, int chunk)
    {
        if (chunk < 1) throw new Siglip2Exception($"cross-entropy chunk must be ≥ 1 position, got {chunk}");
        using var scope = NewDisposeScope();
        long length = hidden.shape[1];
        Tensor? total = null;
        for (long start = 0; start < length; start += chunk)
        {
            long end = Math.Min(length, start + chunk);
            var t = targets[TensorIndex.Colon, TensorIndex.Slice(start, end)];
            var counted = t != LoccaSequences.IgnoreIndex;
            // only counted positions go through the LM head (prompt and padding logits are never formed)
            var h = hidden[TensorIndex.Colon, TensorIndex.Slice(start, end)][counted];
            var logits = head(h);
            var part = nn.functional.cross_entropy(logits, t[counted], reduction: nn.Reduction.Sum);
            total = total is null ? part : total + part;
        }
        var count = (targets != LoccaSequences.IgnoreIndex).sum().to_type(hidden.dtype).clamp_min(1.0);
        return (total! / count).MoveToOuterDisposeScope();
    }
}
