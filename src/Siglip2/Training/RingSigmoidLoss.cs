using Siglip2.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// The sigmoid loss of <see cref="SigmoidLoss"/> over the global batch of a data-parallel job, computed as the SigLIP
/// paper's chunked implementation and open_clip's <c>SigLipLoss</c> (with <c>bidir=True</c>) do: rank r holds its images
/// X_r and texts Y_r; the text embeddings travel around the ring of ranks — both directions at once
/// (<see cref="NeighbourExchange.Bidirectional"/>), plus one single-direction step when the number of ranks is even —
/// so that after Size − 1 hops every rank's images have met every rank's texts, while only one B×B logit block per hop
/// is live. Positives (the diagonal) occur only in the local block; every received block contributes negatives only.
/// The exchange is differentiable: the gradient a rank computes for texts it received goes back along the ring and is
/// added to the sender's text gradient.
/// <para>Normalisation: with N the global batch (the sum of the ranks' batch sizes) and W the number of ranks, rank r
/// returns ℓ_r = −(W / N) Σ_{i ∈ r} Σ_{j ∈ all} log σ(z_ij (t·x_i·y_j + b)). The global loss of one process on the
/// whole batch is L = (1/W) Σ_r ℓ_r — the mean of the ranks' values (equal to ℓ_r's usual form −(1/B) Σ for equal local
/// batches B) — so averaging the ranks' parameter gradients (<see cref="MpiGradientSynchronizer"/>) gives exactly ∇L.
/// The gradient a rank holds for its own embeddings and for t′, b before averaging is W times its share of ∇L.</para>
/// On a <see cref="SingleProcessGroup"/> no exchange happens and the value is <see cref="SigmoidLoss.Compute"/>'s.
/// </summary>
public sealed class RingSigmoidLoss
{
    private readonly IProcessGroup _group;

    public RingSigmoidLoss(IProcessGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        _group = group;
    }

    /// <param name="imageEmbeds">(B_r, D) this rank's normalised image embeddings.</param>
    /// <param name="textEmbeds">(B_r, D) this rank's normalised text embeddings; row i is the caption of image i.</param>
    /// <param name="logitScale">t′ (a one-element tensor, the same on every rank).</param>
    /// <param name="logitBias">b (a one-element tensor, the same on every rank).</param>
    /// <returns>ℓ_r, differentiable with respect to all four inputs (through the exchange for the texts).</returns>
    public Tensor Compute(Tensor imageEmbeds, Tensor textEmbeds, Tensor logitScale, Tensor logitBias)
    {
        if (imageEmbeds.dim() != 2 || textEmbeds.dim() != 2 || imageEmbeds.shape[0] != textEmbeds.shape[0]
            || imageEmbeds.shape[1] != textEmbeds.shape[1] || imageEmbeds.shape[0] == 0)
            throw new ArgumentException($"sigmoid loss needs image and text embeddings of the same shape (B, D), B ≥ 1; got [{string.Join(", ", imageEmbeds.shape)}] and [{string.Join(", ", textEmbeds.shape)}]");
        int world = _group.Size, rank = _group.Rank;
        long local = imageEmbeds.shape[0], width = imageEmbeds.shape[1];
        long[] sizes = world == 1 ? [local] : _group.AllGather(local);
        if (world > 1 && _group.AllGather(width).Any(w => w != width))
            throw new Siglip2Exception($"rank {rank}: the ranks' embeddings differ in width (this rank: {width}); every rank must run the same model");
        long global = sizes.Sum();

        using var scope = NewDisposeScope();
        var labels = torch.eye(local, dtype: imageEmbeds.dtype, device: imageEmbeds.device).mul_(2.0).sub_(1.0);
        var total = nn.functional.logsigmoid(labels * PairLogits(imageEmbeds, textEmbeds, logitScale, logitBias)).sum();

        // hop k brings the texts of ranks r − k (from the left) and r + k (from the right)
        var toLeft = textEmbeds;
        var toRight = textEmbeds;
        int bidirectional = (world - 1) / 2;
        for (int k = 1; k <= bidirectional; k++)
        {
            var (fromRight, fromLeft) = NeighbourExchange.Bidirectional(_group, toLeft, toRight,
                [sizes[(rank + k) % world], width], [sizes[((rank - k) % world + world) % world], width]);
            total = total + Negatives(imageEmbeds, fromLeft, logitScale, logitBias) + Negatives(imageEmbeds, fromRight, logitScale, logitBias);
            toLeft = fromRight;
            toRight = fromLeft;
        }
        if ((world - 1) % 2 == 1)
        {
            // even world: the rank opposite on the ring is reached once, from the left
            int k = bidirectional + 1;
            var fromLeft = NeighbourExchange.ShiftRight(_group, toRight, [sizes[((rank - k) % world + world) % world], width]);
            total = total + Negatives(imageEmbeds, fromLeft, logitScale, logitBias);
        }
        return total.mul(-(double)world / global).MoveToOuterDisposeScope();
    }

    private static Tensor Negatives(Tensor images, Tensor texts, Tensor logitScale, Tensor logitBias) =>
        nn.functional.logsigmoid(PairLogits(images, texts, logitScale, logitBias).neg()).sum();

    /// <summary>t·X·Yᵀ + b, as <see cref="SigmoidLoss"/> forms it.</summary>
    private static Tensor PairLogits(Tensor images, Tensor texts, Tensor logitScale, Tensor logitBias)
    {
        var dot = torch.matmul(images, texts.t());
        return dot * logitScale.exp().to_type(dot.dtype) + logitBias.to_type(dot.dtype);
    }
}
