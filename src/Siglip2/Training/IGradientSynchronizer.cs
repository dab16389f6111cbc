using TorchSharp.Modules;

namespace Siglip2.Training;

/// <summary>
/// The data-parallel seam of <see cref="Trainer"/>: called after backward and before gradient clipping and the
/// optimizer step with every trainable parameter (optimizer order), so that a multi-process run can average the
/// gradients across ranks (e.g. a bucketed allreduce). A single process does nothing (<see cref="None"/>).
/// </summary>
public interface IGradientSynchronizer
{
    void Synchronize(IReadOnlyList<Parameter> parameters);

    /// <summary>
    /// The step's loss over the whole job from this process's value (the mean over the ranks, which is the global
    /// batch's loss when every rank's loss is normalised as <see cref="RingSigmoidLoss"/> does); one process: the value.
    /// </summary>
    double AverageLoss(double local) => local;

    /// <summary>One process: the gradients are already the batch's.</summary>
    public static IGradientSynchronizer None { get; } = new NoSynchronization();

    private sealed class NoSynchronization : IGradientSynchronizer
    {
        public void Synchronize(IReadOnlyList<Parameter> parameters) { }
    }
}
