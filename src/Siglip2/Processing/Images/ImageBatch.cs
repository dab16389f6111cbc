using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Processing.Images;

/// <summary>
/// Preprocessed images, laid out like the arrays of Hugging Face's <c>BatchFeature</c>.
/// Fixed resolution: <see cref="PixelValues"/> is (B, 3, H, W) and the NaFlex fields are null.
/// NaFlex: <see cref="PixelValues"/> is (B, N, 3·p·p), <see cref="PixelAttentionMask"/> (B, N) and
/// <see cref="SpatialShapes"/> (B, 2).
/// </summary>
public sealed class ImageBatch
{
    public const string PixelValuesName = "pixel_values";
    public const string PixelAttentionMaskName = "pixel_attention_mask";
    public const string SpatialShapesName = "spatial_shapes";

    /// <summary>Row-major float32 data of shape <see cref="PixelValuesShape"/>.</summary>
    public float[] PixelValues { get; }

    public long[] PixelValuesShape { get; }

    /// <summary>NaFlex only: 1 for a real patch, 0 for padding, shape (B, N).</summary>
    public int[]? PixelAttentionMask { get; }

    /// <summary>NaFlex only: (patch rows, patch columns) of each image, shape (B, 2).</summary>
    public long[]? SpatialShapes { get; }

    public int BatchSize => (int)PixelValuesShape[0];

    public bool IsNaFlex => PixelAttentionMask != null;

    public ImageBatch(float[] pixelValues, long[] pixelValuesShape, int[]? pixelAttentionMask = null, long[]? spatialShapes = null)
    {
        PixelValues = pixelValues;
        PixelValuesShape = pixelValuesShape;
        PixelAttentionMask = pixelAttentionMask;
        SpatialShapes = spatialShapes;
    }

    /// <summary>
    /// The batch as new TorchSharp tensors under the Hugging Face names: <c>pixel_values</c> (float32) and, for
    /// NaFlex, <c>pixel_attention_mask</c> (int32) and <c>spatial_shapes</c> (int64). The caller owns (disposes) them.
    /// </summary>
    public Dictionary<string, Tensor> ToTensors()
    {
        var result = new Dictionary<string, Tensor>
        {
            [PixelValuesName] = torch.tensor(PixelValues, PixelValuesShape, dtype: ScalarType.Float32),
        };
        if (PixelAttentionMask != null)
            result[PixelAttentionMaskName] = torch.tensor(PixelAttentionMask, [PixelValuesShape[0], PixelValuesShape[1]], dtype: ScalarType.Int32);
        if (SpatialShapes != null)
            result[SpatialShapesName] = torch.tensor(SpatialShapes, [PixelValuesShape[0], 2], dtype: ScalarType.Int64);
        return result;
    }
}
