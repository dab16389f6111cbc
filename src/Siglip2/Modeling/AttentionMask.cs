using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// Padding masks. The models take a (B, S) mask with 1 (or true) for real tokens / patches and 0 for padding and
/// turn it into the additive (B, 1, 1, S) form Hugging Face uses (0 where attended, the dtype's most negative finite
/// value where masked), so padded keys get zero attention weight in every layer and in the pooling head.
/// </summary>
public static class AttentionMask
{
    /// <summary>(B, S) keep-mask → additive (B, 1, 1, S) mask of <paramref name="dtype"/>.</summary>
    public static Tensor ToAdditive(Tensor keepMask, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var keep = keepMask.to_type(ScalarType.Bool);
        double min = dtype switch
        {
            ScalarType.Float32 => float.MinValue,
            ScalarType.Float64 => double.MinValue,
            ScalarType.BFloat16 => -3.3895313892515355e38,
            ScalarType.Float16 => -65504.0,
            _ => throw new ArgumentException($"attention masks need a floating dtype, got {dtype}"),
        };
        var additive = torch.zeros(keep.shape, dtype).masked_fill(keep.logical_not(), min);
        return additive.unsqueeze(1).unsqueeze(1).MoveToOuterDisposeScope();
    }
}
