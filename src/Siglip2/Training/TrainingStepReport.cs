namespace Siglip2.Training;

/// <summary>What one optimisation step did.</summary>
/// <param name="Step">Number of steps completed after this one (1 for the first step).</param>
/// <param name="Loss">Total loss of the batch before the update (the sigmoid loss when it is the only term).</param>
/// <param name="LearningRate">Learning rate used for this update.</param>
/// <param name="Temperature">t = exp(logit_scale) after the update.</param>
/// <param name="Bias">logit_bias b after the update.</param>
/// <param name="GradNorm">Global L2 norm of the gradients before clipping.</param>
/// <param name="BatchSize">Pairs in the batch.</param>
/// <param name="Seconds">Wall time of the step (forward, backward, clipping, update; not the batch loading).</param>
/// <param name="Terms">Each loss component of the run's terms before weighting (sigmoid, locca, silc, tips), NaN while a term is off.</param>
public sealed record TrainingStepReport(
    long Step, double Loss, double LearningRate, double Temperature, double Bias, double GradNorm, long BatchSize, double Seconds,
    IReadOnlyDictionary<string, double>? Terms = null)
{
    public double ImagesPerSecond => Seconds > 0 ? BatchSize / Seconds : double.PositiveInfinity;

    /// <summary>The component's value at this step; NaN when the run has no such term or it is off.</summary>
    public double Term(string name) => Terms is not null && Terms.TryGetValue(name, out double v) ? v : double.NaN;

    public double Sigmoid => Term(Objectives.SigmoidTerm.TermName);
    public double Locca => Term(Objectives.LoccaTerm.TermName);
    public double Silc => Term(Objectives.SelfDistillationTerm.SilcComponent);
    public double Tips => Term(Objectives.SelfDistillationTerm.TipsComponent);
}
