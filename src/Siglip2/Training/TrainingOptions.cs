namespace Siglip2.Training;

/// <summary>
/// Hyper-parameters of a training run. Defaults follow the SigLIP 2 recipe (paper §2: Adam, lr 1e-3, decoupled
/// weight decay 1e-4, gradient clipping 1.0, cosine schedule with warm-up) scaled to small runs.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Seed for the from-scratch initialisation (<see cref="ModelInitializer"/>); recorded in the checkpoint.</summary>
    public long Seed { get; init; } = 0;

    /// <summary>Warm-up + cosine learning-rate schedule; its TotalSteps is the run length.</summary>
    public LearningRateSchedule Schedule { get; init; } = new() { PeakLearningRate = 1e-3, WarmupSteps = 100, TotalSteps = 1000 };

    /// <summary>
    /// AdamW weight decay in PyTorch's convention (each step multiplies decayed weights by 1 − lr·wd). big_vision's
    /// "decoupled" wd is not multiplied by the peak lr, so the paper's wd 1e-4 at lr 1e-3 is 0.1 here (the default).
    /// Only weight matrices / kernels are decayed (see <see cref="ParameterGroups"/>).
    /// </summary>
    public double WeightDecay { get; init; } = 0.1;

    public double Beta1 { get; init; } = 0.9;
    /// <summary>0.95, as the SigLIP paper recommends for stable large-batch training (PyTorch's default is 0.999).</summary>
    public double Beta2 { get; init; } = 0.95;
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Clip the global L2 norm of all gradients to this value; 0 turns clipping off.</summary>
    public double GradClipNorm { get; init; } = 1.0;

    /// <summary>
    /// 1 computes the loss on the whole (B, B) logit matrix; D &gt; 1 computes it as D simulated devices exchanging
    /// text shards (<see cref="SigmoidLoss.ComputeChunked"/>) — same value and gradients.
    /// </summary>
    public int LossChunks { get; init; } = 1;

    /// <summary>
    /// LiT (Zhai et al. 2022, "locked-image tuning"): the image tower's parameters get no gradients and stay out of the
    /// optimizer, so fine-tuning a released checkpoint trains only the text tower, logit_scale and logit_bias.
    /// </summary>
    public bool LockImageTower { get; init; }

    /// <summary>The mirror of <see cref="LockImageTower"/>: the text tower stays frozen.</summary>
    public bool LockTextTower { get; init; }

    public void Validate()
    {
        Schedule.Validate();
        if (WeightDecay < 0 || double.IsNaN(WeightDecay)) throw new Siglip2Exception($"weight decay must be ≥ 0, got {WeightDecay}");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new Siglip2Exception($"Adam beta1 must be in [0, 1), got {Beta1}");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new Siglip2Exception($"Adam beta2 must be in [0, 1), got {Beta2}");
        if (!(Epsilon > 0)) throw new Siglip2Exception($"Adam epsilon must be > 0, got {Epsilon}");
        if (GradClipNorm < 0 || double.IsNaN(GradClipNorm)) throw new Siglip2Exception($"gradient clip norm must be ≥ 0 (0 = off), got {GradClipNorm}");
        if (LossChunks < 1) throw new Siglip2Exception($"loss chunks must be ≥ 1, got {LossChunks}");
        if (LockImageTower && LockTextTower) throw new Siglip2Exception("both towers locked: nothing but logit_scale and logit_bias would train; lock at most one tower");
    }
}
