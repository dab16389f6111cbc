namespace Siglip2.Onnx;

/// <summary>
/// Symmetric per-output-channel int8 quantisation of a linear layer's weight: for output channel n,
/// scale[n] = max_k |W[k, n]| / 63 and q[k, n] = round(W[k, n] / scale[n]) in [−63, 63] (zero point 0), so
/// W ≈ q · scale. Seven bits, not eight (ONNX Runtime's reduce_range): on x86 CPUs without VNNI the u8 × s8 kernel
/// sums pairs of products in saturating 16-bit lanes (2 · 255 · 127 overflows, 2 · 255 · 63 does not), and full-range
/// weights measured image cosines of 0.74–0.97 to fp32 there (docs/onnx.md). Rounding is to nearest, ties to even (numpy's and ONNX QuantizeLinear's rule). A channel of zeros
/// gets scale 1.
/// </summary>
public static class Int8WeightQuantization
{
    /// <summary>The largest quantised magnitude: 63, so that no pair of u8 × s8 products saturates 16 bits.</summary>
    public const int MaxLevel = 63;

    /// <param name="weightT">the weight as the graph multiplies it: (K, N) row-major, K inputs × N outputs.</param>
    public static (sbyte[] Quantized, float[] Scales) Quantize(ReadOnlySpan<float> weightT, int k, int n)
    {
        if (weightT.Length != (long)k * n) throw new ArgumentException($"weight has {weightT.Length} values, expected {k}×{n}");
        var scales = new float[n];
        for (int r = 0; r < k; r++)
        {
            var row = weightT.Slice(r * n, n);
            for (int c = 0; c < n; c++) scales[c] = Math.Max(scales[c], Math.Abs(row[c]));
        }
        for (int c = 0; c < n; c++)
        {
            if (!float.IsFinite(scales[c])) throw new Siglip2Exception($"cannot quantise a weight with a non-finite value (output channel {c})");
            scales[c] = scales[c] == 0 ? 1f : scales[c] / MaxLevel;
        }
        var q = new sbyte[weightT.Length];
        for (int r = 0; r < k; r++)
            for (int c = 0; c < n; c++)
            {
                double v = Math.Round(weightT[r * n + c] / (double)scales[c], MidpointRounding.ToEven);
                q[r * n + c] = (sbyte)Math.Clamp(v, -MaxLevel, MaxLevel);
            }
        return (q, scales);
    }
}
