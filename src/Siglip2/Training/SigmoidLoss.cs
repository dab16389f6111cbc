using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// The pairwise sigmoid loss of SigLIP (Zhai et al. 2023) and SigLIP 2 (paper §2):
/// <c>L = −(1/|B|) Σ_i Σ_j log σ(z_ij · (t·x_i·y_j + b))</c> with t = exp(t′), z_ij = +1 when i = j (a matching
/// image–text pair) and −1 otherwise. x_i, y_j are the L2-normalised image and text embeddings; t′ is the model's
/// <c>logit_scale</c> and b its <c>logit_bias</c>. log σ is computed with <c>logsigmoid</c> (stable for large |logits|).
/// </summary>
public static class SigmoidLoss
{
    /// <param name="imageEmbeds">(N, D) normalised image embeddings x.</param>
    /// <param name="textEmbeds">(N, D) normalised text embeddings y; row i is the caption of image i.</param>
    /// <param name="logitScale">t′ (a one-element tensor); the temperature is t = exp(t′).</param>
    /// <param name="logitBias">b (a one-element tensor).</param>
    /// <returns>The scalar loss, differentiable with respect to all four inputs.</returns>
    public static Tensor Compute(Tensor imageEmbeds, Tensor textEmbeds, Tensor logitScale, Tensor logitBias)
    {
        long n = CheckShapes(imageEmbeds, textEmbeds);
        using var scope = NewDisposeScope();
        var logits = PairLogits(imageEmbeds, textEmbeds, logitScale, logitBias);
        var labels = torch.eye(n, dtype: logits.dtype, device: logits.device).mul_(2.0).sub_(1.0);
        var loss = nn.functional.logsigmoid(labels * logits).sum().neg().div(n);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The same loss computed the way it is spread over <paramref name="devices"/> accelerators (big_vision
    /// <c>chunked_sigmoid_loss</c>; open_clip <c>SigLipLoss</c> with neighbour exchange): the batch is cut into
    /// contiguous shards (sizes differing by at most one), "device" d holds image shard d and, over d rounds, receives
    /// every text shard in turn (round r: the shard of device (d − r) mod D, as passed along a ring). Positive pairs
    /// occur only in round 0, where the image and text shard hold the same example indices; every other round
    /// contributes negatives only. The per-block sums are added and divided by the global batch size, so the value
    /// and the gradients equal <see cref="Compute"/> (up to float summation order) while at most one
    /// (N/D)×(N/D) logit block is live at a time per device.
    /// </summary>
    public static Tensor ComputeChunked(Tensor imageEmbeds, Tensor textEmbeds, Tensor logitScale, Tensor logitBias, int devices)
    {
        long n = CheckShapes(imageEmbeds, textEmbeds);
        if (devices < 1 || devices > n)
            throw new ArgumentOutOfRangeException(nameof(devices), $"devices must be between 1 and the batch size {n}, got {devices}");
        var (starts, sizes) = Shards(n, devices);
        using var scope = NewDisposeScope();
        Tensor? total = null;
        for (int d = 0; d < devices; d++)
        {
            var images = imageEmbeds.narrow(0, starts[d], sizes[d]);
            for (int r = 0; r < devices; r++)
            {
                int source = ((d - r) % devices + devices) % devices;
                var texts = textEmbeds.narrow(0, starts[source], sizes[source]);
                var logits = PairLogits(images, texts, logitScale, logitBias);
                Tensor block;
                if (r == 0)
                {
                    var labels = torch.eye(sizes[d], dtype: logits.dtype, device: logits.device).mul_(2.0).sub_(1.0);
                    block = nn.functional.logsigmoid(labels * logits).sum();
                }
                else
                {
                    block = nn.functional.logsigmoid(logits.neg()).sum();
                }
                total = total is null ? block : total + block;
            }
        }
        return total!.neg().div(n).MoveToOuterDisposeScope();
    }

    /// <summary>Contiguous shards of <paramref name="n"/> rows over <paramref name="parts"/> parts; the first n mod parts shards get one extra row.</summary>
    public static (long[] Starts, long[] Sizes) Shards(long n, int parts)
    {
        var starts = new long[parts];
        var sizes = new long[parts];
        long start = 0;
        for (int i = 0; i < parts; i++)
        {
            sizes[i] = n / parts + (i < n % parts ? 1 : 0);
            starts[i] = start;
            start += sizes[i];
        }
        return (starts, sizes);
    }

    /// <summary>t·X·Yᵀ + b for image rows X and text rows Y.</summary>
    private static Tensor PairLogits(Tensor images, Tensor texts, Tensor logitScale, Tensor logitBias)
    {
        var dot = torch.matmul(images, texts.t());
        return dot * logitScale.exp().to_type(dot.dtype) + logitBias.to_type(dot.dtype);
    }

    private static long CheckShapes(Tensor imageEmbeds, Tensor textEmbeds)
    {
        if (imageEmbeds.dim() != 2 || textEmbeds.dim() != 2 || imageEmbeds.shape[0] != textEmbeds.shape[0]
            || imageEmbeds.shape[1] != textEmbeds.shape[1] || imageEmbeds.shape[0] == 0)
            throw new ArgumentException($"sigmoid loss needs image and text embeddings of the same shape (N, D), N ≥ 1; got [{string.Join(", ", imageEmbeds.shape)}] and [{string.Join(", ", textEmbeds.shape)}]");
        return imageEmbeds.shape[0];
    }
}
