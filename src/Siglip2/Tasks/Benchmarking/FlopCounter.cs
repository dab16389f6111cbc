using Siglip2.Configuration;

namespace Siglip2.Tasks.Benchmarking;

/// <summary>
/// Floating-point operations of one forward pass, counted as 2·M·N·K for every matrix product: patch embedding,
/// q/k/v/out projections, q·kᵀ and weights·v, MLP, and the MAP head (probe query, k/v over the tokens, out_proj,
/// MLP) or the text head. Element-wise work (LayerNorm, GELU, softmax, adds) is not counted.
/// </summary>
public static class FlopCounter
{
    /// <summary>One transformer encoder layer over <paramref name="tokens"/> tokens.</summary>
    public static double EncoderLayer(long tokens, long width, long mlp)
    {
        double projections = 4.0 * 2 * tokens * width * width;   // q, k, v, out
        double attention = 2.0 * 2 * tokens * tokens * width;     // q·kᵀ and weights·v over all heads
        double feedForward = 2.0 * 2 * tokens * width * mlp;      // fc1, fc2
        return projections + attention + feedForward;
    }

    /// <summary>Image tower for one image of <paramref name="tokens"/> patches (padded NaFlex length included).</summary>
    public static double ImageTower(VisionConfig c, long tokens)
    {
        long d = c.HiddenSize;
        double embed = 2.0 * tokens * c.PatchDim * d;
        double encoder = c.NumHiddenLayers * EncoderLayer(tokens, d, c.IntermediateSize);
        double head = 0;
        if (c.VisionUseHead)
        {
            head += 2.0 * d * d;                       // probe → q
            head += 2.0 * 2 * tokens * d * d;          // k, v over the tokens
            head += 2.0 * 2 * tokens * d;              // q·kᵀ and weights·v for one query
            head += 2.0 * d * d;                       // out_proj
            head += 2.0 * 2 * d * c.IntermediateSize;  // MLP on the probe
        }
        return embed + encoder + head;
    }

    /// <summary>Image tower for one image at the config's own patch count (fixed resolution) or <paramref name="naflexPatches"/>.</summary>
    public static double ImageTower(VisionConfig c, int? naflexPatches = null) =>
        ImageTower(c, naflexPatches ?? (c.IsNaflex ? c.NumPatches : (long)(c.ImageSize / c.PatchSize) * (c.ImageSize / c.PatchSize)));

    /// <summary>Text tower for one text of <paramref name="length"/> tokens (the head projects the last token only).</summary>
    public static double TextTower(TextConfig c, long length)
    {
        double encoder = c.NumHiddenLayers * EncoderLayer(length, c.HiddenSize, c.IntermediateSize);
        double head = 2.0 * c.HiddenSize * c.ProjectionSize;
        return encoder + head;
    }

    /// <summary>2·n³ for an n×n by n×n product.</summary>
    public static double SquareMatmul(long n) => 2.0 * n * n * n;
}
