using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// Resizes a fixed-resolution position-embedding table (g·g, D) to another square grid (g′·g′, D), e.g. to fine-tune
/// or evaluate a fixed-resolution SigLIP at another image size: the table is viewed as a (1, D, g, g) image and
/// interpolated (bicubic by default, align_corners = false, as Hugging Face <c>SiglipVisionEmbeddings.interpolate_pos_encoding</c>
/// and big_vision's <c>resample_posemb</c> with bilinear). Row-major grid order is kept.
/// </summary>
public static class PositionEmbeddingResize
{
    public static Tensor Resize(Tensor table, int newGrid, InterpolationMode mode = InterpolationMode.Bicubic)
    {
        if (table.dim() != 2) throw new Siglip2Exception($"position embedding table must be (positions, width), got [{string.Join(", ", table.shape)}]");
        long positions = table.shape[0], width = table.shape[1];
        int grid = (int)Math.Round(Math.Sqrt(positions));
        if ((long)grid * grid != positions) throw new Siglip2Exception($"position embedding table has {positions} rows, not a square grid");
        if (newGrid < 1) throw new Siglip2Exception($"new grid side must be ≥ 1, got {newGrid}");
        if (newGrid == grid) return table.clone();
        using var scope = NewDisposeScope();
        var image = table.to_type(ScalarType.Float32).t().reshape(1, width, grid, grid);
        var resized = nn.functional.interpolate(image, size: [newGrid, newGrid], mode: mode, align_corners: false);
        return resized.reshape(width, (long)newGrid * newGrid).t().contiguous().to_type(table.dtype).MoveToOuterDisposeScope();
    }
}
