using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// Data selection by learnability (JEST, Evans et al. 2024, arXiv 2406.17711; ACID / active data curation for
/// distillation, Udandarao et al. 2024, arXiv 2411.18674; used by SigLIP 2, arXiv 2502.14786, §2, for its smallest
/// models): a learner and a larger, better trained reference (teacher) model score every example of a super-batch,
/// and only the examples with the highest learnability = learner loss − teacher loss (hard for the learner, easy for
/// the teacher) are trained on.
/// <para>
/// The exact rule implemented here: each model embeds the super-batch of N pairs <b>with its own processors</b>
/// (its own tokenizer and image size; the i-th rows of the two models' inputs are the same scene), an example's loss
/// is its image row of that model's pairwise sigmoid loss over the whole super-batch,
/// ℓ_i = −Σ_j log σ(z_ij·(t·x_i·y_j + b)) with the model's own t and b (so Σ_i ℓ_i / N equals
/// <see cref="SigmoidLoss.Compute"/>), and the ⌈N·keep⌉ examples with the largest ℓ_i(learner) − ℓ_i(teacher) are kept
/// (ties → lower index). This is the independent (per-example, top-k) variant of the papers' score; JEST's and ACID's
/// joint selection, which samples chunks sequentially by conditional learnability, is not implemented.
/// </para>
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

    /// <summary>
    /// ⌈N·keep⌉, the number of examples kept from N. The ceiling is taken of the exact product: a product that
    /// floating point puts a hair above an integer (10 × 0.7 = 7.000000000000001) still keeps 7.
    /// </summary>
    public static int KeptCount(int n, double keep)
    {
        if (double.IsNaN(keep) || keep <= 0 || keep > 1) throw new Siglip2Exception($"keep fraction must be in (0, 1], got {keep}");
        if (n < 1) throw new Siglip2Exception($"a super-batch needs at least one example, got {n}");
        return Math.Clamp((int)Math.Ceiling(n * keep - 1e-9), 1, n);
    }

    /// <summary>
    /// The super-batch size N for which ⌈N·keep⌉ = <paramref name="keptBatch"/>: N = ⌊B / keep⌋ (B/keep exactly when
    /// it is an integer, e.g. 2B for keep ½ and 4B for keep ¼, the SigLIP 2 settings for B/16 and B/32).
    /// </summary>
    public static int SuperBatchSize(int keptBatch, double keep)
    {
        if (keptBatch < 1) throw new Siglip2Exception($"batch size must be ≥ 1, got {keptBatch}");
        KeptCount(1, keep);
        double n = Math.Floor(keptBatch / keep + 1e-9);
        if (n > int.MaxValue) throw new Siglip2Exception($"a super-batch of {keptBatch} / {keep} examples is too large");
        return (int)n;
    }

    /// <summary>Indices (ascending) of the ⌈N·keep⌉ examples with the highest learner − teacher loss; ties → lower index.</summary>
    public static long[] TopLearnable(float[] learnerLoss, float[] teacherLoss, double keep)
    {
        if (learnerLoss.Length != teacherLoss.Length) throw new Siglip2Exception("learner and teacher scored different numbers of examples");
        int k = KeptCount(learnerLoss.Length, keep);
        return Enumerable.Range(0, learnerLoss.Length)
            .OrderByDescending(i => (double)learnerLoss[i] - teacherLoss[i]).ThenBy(i => i)
            .Take(k).Select(i => (long)i).Order().ToArray();
    }

    /// <summary>Each example's loss ℓ_i (see the class summary) under <paramref name="model"/>, without gradients.</summary>
    public static float[] Score(Modeling.Siglip2Model model, TrainingBatch batch)
    {
        if (model.LogitScale is null || model.LogitBias is null || !model.Config.IsDualTower)
            throw new Siglip2Exception("learnability scoring needs a dual-tower model with logit_scale and logit_bias");
        if (batch.IsNaflex != model.Config.IsNaflex)
            throw new Siglip2Exception($"the scoring batch is {(batch.IsNaflex ? "NaFlex" : "fixed-resolution")} but the model is {(model.Config.IsNaflex ? "NaFlex" : "fixed-resolution")}: prepare it with the model's own image processor");
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var images = model.EmbedImages(batch.Vision);
        var texts = model.EmbedTexts(batch.InputIds);
        return PerExampleLoss(images, texts, model.LogitScale, model.LogitBias).data<float>().ToArray();
    }

    /// <summary>
    /// Scores a super-batch with both models and returns the selected rows of <paramref name="learnerBatch"/> (a new
    /// <see cref="TrainingBatch"/>; the caller still owns both inputs). <paramref name="teacherBatch"/> holds the same
    /// scenes, in the same order, prepared with the teacher's own tokenizer and image processor (it may differ from
    /// the learner's in image size, layout, text length and vocabulary).
    /// </summary>
    public static TrainingBatch Select(Modeling.Siglip2Model learner, TrainingBatch learnerBatch, Modeling.Siglip2Model teacher,
        TrainingBatch teacherBatch, double keep)
    {
        if (learnerBatch.BatchSize != teacherBatch.BatchSize)
            throw new Siglip2Exception($"the learner's super-batch has {learnerBatch.BatchSize} examples but the teacher's has {teacherBatch.BatchSize}; both must hold the same scenes");
        var chosen = TopLearnable(Score(learner, learnerBatch), Score(teacher, teacherBatch), keep);
        return learnerBatch.Rows(chosen);
    }

    /// <summary><see cref="Select(Modeling.Siglip2Model, TrainingBatch, Modeling.Siglip2Model, TrainingBatch, double)"/> for two models that share their processors.</summary>
    public static TrainingBatch Select(Modeling.Siglip2Model learner, Modeling.Siglip2Model teacher, TrainingBatch superBatch, double keep) =>
        Select(learner, superBatch, teacher, superBatch, keep);
}
