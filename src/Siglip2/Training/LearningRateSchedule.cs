namespace Siglip2.Training;

/// <summary>
/// Linear warm-up, then cosine decay (the SigLIP 2 recipe: cosine schedule with warm-up). A pure function of the
/// 0-based step index s (the step about to be taken), with W = <see cref="WarmupSteps"/>, T = <see cref="TotalSteps"/>:
/// <list type="bullet">
/// <item>s &lt; W: lr = peak · s / W (0 at the very first step, as Hugging Face's
///   get_cosine_schedule_with_warmup and big_vision's linear warm-up);</item>
/// <item>W ≤ s &lt; T: lr = final + (peak − final) · ½ (1 + cos(π · (s − W) / (T − W)));</item>
/// <item>s ≥ T: lr = final.</item>
/// </list>
/// </summary>
public sealed record LearningRateSchedule
{
    public double PeakLearningRate { get; init; } = 1e-3;
    public long WarmupSteps { get; init; }
    public long TotalSteps { get; init; } = 1;
    /// <summary>The value the cosine decays to (default 0).</summary>
    public double FinalLearningRate { get; init; }

    public LearningRateSchedule() { }

    public LearningRateSchedule(double peakLearningRate, long warmupSteps, long totalSteps, double finalLearningRate = 0.0)
    {
        PeakLearningRate = peakLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
        FinalLearningRate = finalLearningRate;
        Validate();
    }

    public void Validate()
    {
        if (!(PeakLearningRate > 0) || double.IsInfinity(PeakLearningRate))
            throw new Siglip2Exception($"learning rate must be a positive number, got {PeakLearningRate}");
        if (FinalLearningRate < 0 || FinalLearningRate > PeakLearningRate)
            throw new Siglip2Exception($"final learning rate must be between 0 and the peak {PeakLearningRate}, got {FinalLearningRate}");
        if (TotalSteps < 1) throw new Siglip2Exception($"total steps must be at least 1, got {TotalSteps}");
        if (WarmupSteps < 0 || WarmupSteps > TotalSteps)
            throw new Siglip2Exception($"warm-up steps must be between 0 and the total steps {TotalSteps}, got {WarmupSteps}");
    }

    /// <summary>Learning rate for 0-based step index <paramref name="step"/>.</summary>
    public double At(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), "step must be ≥ 0");
        if (step < WarmupSteps) return PeakLearningRate * step / WarmupSteps;
        if (step >= TotalSteps) return FinalLearningRate;
        double progress = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return FinalLearningRate + (PeakLearningRate - FinalLearningRate) * 0.5 * (1.0 + Math.Cos(Math.PI * progress));
    }
}
