using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// Data selection by learnability (JEST, Evans et al. 2024, arXiv 2406.17711; ACID / active data curation for
/// distillation, arXiv 2411.18674): a learner and a larger, pretrained reference (teacher) model score every example of
/// a super-batch, and only the examples with the highest learnability = learner loss − teacher loss (hard for the
/// learner, easy for the teacher) are trained on. This is the independent (per-example) variant: an example's loss is
/// its image row of the pairwise sigmoid loss over the whole super-batch, ℓ_i = −Σ_j log σ(z_ij·(t·x_i·y_j + b)); so
/// Σ_i ℓ_i / N equals <see cref="SigmoidLoss.Compute"/>. (JEST's joint selection samples chunks sequentially by
/// conditional learnability; not implemented here.)
/// </summary>
public static class LearnabilitySelection
{
    /// <summary>(N) per-example sigmoid losses (image rows) of normalised embeddings.</summary>
    public static Tensor PerExampleLoss(Tensor imageEmbeds, Tensor textEmbeds, Tensor logitScale, Tensor logitBias)
    {
        using var scope = NewDisposeScope();
        long n = imageEmbeds.shape[0];
        var logits = torch.matmul(imageEmbeds, textEmbeds.t()) * logitScale.exp() + logitBias;
        var labels = torch.eye(n, dtype: logits.dtype).mul_(2.0).sub_(1.0);
        return nn.functional.logsigmoid(labels * logits).sum(1).neg().MoveToOuterDisposeScope();
    }

    /// <summary>Indices (ascending) of the ⌈N·keep⌉ examples with the highest learner − teacher loss; ties → lower index.</summary>
    public static long[] TopLearnable(float[] learnerLoss, float[] teacherLoss, double keep)
    {
        if (learnerLoss.Length != teacherLoss.Length) throw new Siglip2Exception("learner and teacher scored different numbers of examples");
        if (keep is <= 0 or > 1) throw new Siglip2Exception($"keep fraction must be in (0, 1], got {keep}");
        int k = (int)Math.Ceiling(learnerLoss.Length * keep);
        return Enumerable.Range(0, learnerLoss.Length)
            .OrderByDescending(i => (double)learnerLoss[i] - teacherLoss[i]).ThenBy(i => i)
            .Take(k).Select(i => (long)i).Order().ToArray();
    }

    /// <summary>
    /// Scores a fixed-resolution super-batch with both models (no gradients) and returns the selected sub-batch
    /// (a new <see cref="TrainingBatch"/>; the caller still owns <paramref name="superBatch"/>).
    /// </summary>
    public static TrainingBatch Select(Modeling.Siglip2Model learner, Modeling.Siglip2Model teacher, TrainingBatch superBatch, double keep)
    {
        float[] Score(Modeling.Siglip2Model m)
        {
            using var scope = NewDisposeScope();
            using var noGrad = torch.no_grad();
            var images = superBatch.IsNaflex
                ? m.EmbedImages(superBatch.PixelValues, superBatch.PixelAttentionMask!, superBatch.SpatialShapes!)
                : m.EmbedImages(superBatch.PixelValues);
            var texts = m.EmbedTexts(superBatch.InputIds);
            return PerExampleLoss(images, texts, m.LogitScale!, m.LogitBias!).data<float>().ToArray();
        }
        var chosen = TopLearnable(Score(learner), Score(teacher), keep);
        using var index = torch.tensor(chosen);
        return new TrainingBatch
        {
            PixelValues = superBatch.PixelValues.index_select(0, index),
            InputIds = superBatch.InputIds.index_select(0, index),
            PixelAttentionMask = superBatch.PixelAttentionMask?.index_select(0, index),
            SpatialShapes = superBatch.SpatialShapes?.index_select(0, index),
        };
    }
}
