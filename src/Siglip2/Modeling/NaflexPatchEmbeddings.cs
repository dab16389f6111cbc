using TorchSharp;
using Siglip2.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// NaFlex image embeddings (model_type <c>siglip2</c>): a Linear over each flattened p×p×C patch, plus the learned
/// √n×√n position grid resized to the image's own (h, w) patch grid — bilinear, align_corners = false,
/// antialias = true, in fp32 — as Hugging Face's <c>Siglip2VisionEmbeddings</c> does. Padding rows get the
/// embedding of resized position 0. Without autograd the resized grids are cached per (h, w) (dropped whenever the
/// weight changes). Weight names <c>patch_embedding</c> (Linear), <c>position_embedding</c>.
/// </summary>
public sealed class NaflexPatchEmbeddings : nn.Module
{
    // Field names are the Hugging Face weight names (TorchSharp registers modules by field name).
    private readonly Linear patch_embedding;
    private readonly Embedding position_embedding;
    private readonly VisionConfig _config;

    public Linear PatchEmbedding => patch_embedding;
    public Embedding PositionEmbedding => position_embedding;

    public NaflexPatchEmbeddings(VisionConfig c) : base(nameof(NaflexPatchEmbeddings))
    {
        _config = c;
        patch_embedding = ParameterInitialization.Linear(c.PatchDim, c.HiddenSize);
        position_embedding = ParameterInitialization.Embedding(c.NumPatches, c.HiddenSize);
        RegisterComponents();
    }

    /// <param name="pixelValues">(B, N, C·p·p) flattened patches, padded to N.</param>
    /// <param name="spatialShapes">(B, 2) int64: (h, w) patch grid per image, h·w ≤ N.</param>
    public Tensor Forward(Tensor pixelValues, Tensor spatialShapes)
    {
        if (pixelValues.dim() != 3 || pixelValues.shape[2] != _config.PatchDim)
            throw new Siglip2Exception($"pixel_values has shape [{string.Join(", ", pixelValues.shape)}], this NaFlex model expects [B, max_num_patches, {_config.PatchDim}]");
        using var scope = NewDisposeScope();
        var patches = PatchEmbedding.forward(pixelValues.to_type(PatchEmbedding.weight!.dtype));
        var positions = ResizePositionEmbeddings(spatialShapes, pixelValues.shape[1]);
        return (patches + positions).MoveToOuterDisposeScope();
    }

    /// <summary>The position embeddings each image gets: (B, N, D), rows beyond h·w filled with row 0.</summary>
    public Tensor ResizePositionEmbeddings(Tensor spatialShapes, long maxLength)
    {
        long[] shapes = spatialShapes.to_type(ScalarType.Int64).cpu().data<long>().ToArray();
        long batch = spatialShapes.shape[0];
        if (spatialShapes.dim() != 2 || spatialShapes.shape[1] != 2)
            throw new Siglip2Exception($"spatial_shapes has shape [{string.Join(", ", spatialShapes.shape)}], expected [B, 2]");
        using var scope = NewDisposeScope();
        int side = _config.PositionGridSide;
        var weight = PositionEmbedding.weight!;
        var sourceDtype = weight.dtype;
        long d = weight.shape[1];
        // (side, side, D) → (1, D, side, side), in fp32 (interpolation on CPU is done in fp32 by the reference).
        var grid = weight.reshape(side, side, d).permute(2, 0, 1).unsqueeze(0).to_type(ScalarType.Float32);
        // Without autograd (inference) the resized grids are cached per (h, w) while the weight stays the same.
        bool useCache = !torch.is_grad_enabled();
        if (useCache) ValidateCache(weight);
        var rows = new List<Tensor>((int)batch);
        for (int i = 0; i < batch; i++)
        {
            long h = shapes[2 * i], w = shapes[2 * i + 1];
            if (h <= 0 || w <= 0 || h * w > maxLength)
                throw new Siglip2Exception($"spatial_shapes[{i}] = ({h}, {w}) does not fit max_num_patches {maxLength}");
            Tensor? flat = null;
            if (useCache)
                lock (_cacheGate) flat = _resizeCache.TryGetValue((h, w), out var hit) ? hit : null;
            if (flat is null)
            {
                var resized = nn.functional.interpolate(grid, [h, w], mode: InterpolationMode.Bilinear,
                    align_corners: false, antialias: true);
                flat = resized.reshape(d, h * w).transpose(0, 1).to_type(sourceDtype);
                if (useCache) flat = AddToCache(h, w, flat);
            }
            if (h * w < maxLength)
            {
                var pad = flat[0].unsqueeze(0).expand(maxLength - h * w, d);
                flat = torch.cat([flat, pad], 0);
            }
            rows.Add(flat);
        }
        return torch.stack(rows, 0).MoveToOuterDisposeScope();
    }

    private const int MaxCachedShapes = 64;
    private readonly object _cacheGate = new();
    private readonly Dictionary<(long H, long W), Tensor> _resizeCache = new();
    private Tensor? _cachedFrom;

    /// <summary>Empties the cache unless <paramref name="weight"/> is bit-for-bit the weight the cache was built from.</summary>
    private void ValidateCache(Tensor weight)
    {
        lock (_cacheGate)
        {
            if (_cachedFrom is not null && _cachedFrom.dtype == weight.dtype && _cachedFrom.shape.SequenceEqual(weight.shape)
                && _cachedFrom.allclose(weight, rtol: 0, atol: 0))
                return;
            ClearCache();
            _cachedFrom = weight.detach().clone().DetachFromDisposeScope();
        }
    }

    private Tensor AddToCache(long h, long w, Tensor flat)
    {
        lock (_cacheGate)
        {
            if (_resizeCache.TryGetValue((h, w), out var existing)) return existing;
            if (_resizeCache.Count >= MaxCachedShapes) return flat; // full: later shapes are computed each time
            var kept = flat.contiguous().clone().DetachFromDisposeScope();
            _resizeCache[(h, w)] = kept;
            return kept;
        }
    }

    private void ClearCache()
    {
        foreach (var t in _resizeCache.Values) t.Dispose();
        _resizeCache.Clear();
        _cachedFrom?.Dispose();
        _cachedFrom = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) lock (_cacheGate) ClearCache();
        base.Dispose(disposing);
    }
}
