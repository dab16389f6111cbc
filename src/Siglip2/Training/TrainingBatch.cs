using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// One mini-batch of matching image–text pairs: row i of the images goes with row i of <see cref="InputIds"/>.
/// Fixed-resolution towers take <see cref="PixelValues"/> (B, C, H, W); NaFlex towers take (B, N, C·p·p) patches
/// with <see cref="PixelAttentionMask"/> (B, N) and <see cref="SpatialShapes"/> (B, 2). The batch owns its tensors.
/// </summary>
public sealed class TrainingBatch : IDisposable
{
    /// <summary>(B, C, H, W) float images, or (B, N, C·p·p) float NaFlex patches.</summary>
    public required Tensor PixelValues { get; init; }
    /// <summary>(B, L) int64 token ids (SigLIP 2: L = max_position_embeddings, padded, no attention mask).</summary>
    public required Tensor InputIds { get; init; }
    /// <summary>NaFlex only: (B, N) 1 for real patches, 0 for padding.</summary>
    public Tensor? PixelAttentionMask { get; init; }
    /// <summary>NaFlex only: (B, 2) int64 (h, w) patch grid of each image.</summary>
    public Tensor? SpatialShapes { get; init; }

    public long BatchSize => InputIds.shape[0];
    /// <summary>The images as the tower's typed input (fixed or NaFlex); the batch keeps owning the tensors.</summary>
    public Siglip2.Modeling.VisionInput Vision => new(PixelValues, PixelAttentionMask, SpatialShapes);
    public bool IsNaflex => PixelAttentionMask is not null;

    /// <summary>Tensors of one preprocessed image batch and its (B·L) caption ids, with the Hugging Face input names.</summary>
    public static TrainingBatch From(Siglip2.Processing.Images.ImageBatch images, long[] ids, int length)
    {
        var tensors = images.ToTensors();
        return new TrainingBatch
        {
            PixelValues = tensors[Siglip2.Processing.Images.ImageBatch.PixelValuesName],
            PixelAttentionMask = tensors.GetValueOrDefault(Siglip2.Processing.Images.ImageBatch.PixelAttentionMaskName),
            SpatialShapes = tensors.GetValueOrDefault(Siglip2.Processing.Images.ImageBatch.SpatialShapesName),
            InputIds = tensor(ids, [ids.Length / length, length], dtype: ScalarType.Int64),
        };
    }

    /// <summary>A new batch of rows <paramref name="indices"/> (in that order) of this one; this batch keeps its tensors.</summary>
    public TrainingBatch Rows(IReadOnlyList<long> indices)
    {
        using var index = tensor(indices.ToArray(), dtype: ScalarType.Int64);
        return new TrainingBatch
        {
            PixelValues = PixelValues.index_select(0, index),
            InputIds = InputIds.index_select(0, index),
            PixelAttentionMask = PixelAttentionMask?.index_select(0, index),
            SpatialShapes = SpatialShapes?.index_select(0, index),
        };
    }

    /// <summary>Throws a one-line <see cref="Siglip2Exception"/> if the shapes do not fit together.</summary>
    public void Validate()
    {
        if (InputIds.dim() != 2)
            throw new Siglip2Exception($"training batch: input_ids has shape [{string.Join(", ", InputIds.shape)}], expected [B, L]");
        if (InputIds.dtype != ScalarType.Int64)
            throw new Siglip2Exception($"training batch: input_ids must be int64, got {InputIds.dtype}");
        if (PixelValues.shape.Length == 0 || PixelValues.shape[0] != BatchSize)
            throw new Siglip2Exception($"training batch: pixel_values has shape [{string.Join(", ", PixelValues.shape)}] but input_ids has {BatchSize} rows; every image needs one caption");
        if ((PixelAttentionMask is null) != (SpatialShapes is null))
            throw new Siglip2Exception("training batch: NaFlex batches need both pixel_attention_mask and spatial_shapes");
    }

    public void Dispose()
    {
        PixelValues.Dispose();
        InputIds.Dispose();
        PixelAttentionMask?.Dispose();
        SpatialShapes?.Dispose();
    }
}
