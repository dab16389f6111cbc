namespace Siglip2.Training;

/// <summary>What one optimisation step did.</summary>
/// <param name="Step">Number of steps completed after this one (1 for the first step).</param>
/// <param name="Loss">Sigmoid loss of the batch before the update.</param>
/// <param name="LearningRate">Learning rate used for this update.</param>
/// <param name="Temperature">t = exp(logit_scale) after the update.</param>
/// <param name="Bias">logit_bias b after the update.</param>
/// <param name="GradNorm">Global L2 norm of the gradients before clipping.</param>
/// <param name="BatchSize">Pairs in the batch.</param>
/// <param name="Seconds">Wall time of the step (forward, backward, clipping, update; not the batch loading).</param>
public sealed record TrainingStepReport(
    long Step, double Loss, double LearningRate, double Temperature, double Bias, double GradNorm, long BatchSize, double Seconds)
{
    public double ImagesPerSecond => Seconds > 0 ? BatchSize / Seconds : double.PositiveInfinity;
}
