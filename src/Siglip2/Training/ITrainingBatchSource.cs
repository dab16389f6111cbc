namespace Siglip2.Training;

/// <summary>
/// Supplies training batches. <see cref="GetBatch"/> must be a deterministic function of the 0-based step index
/// (e.g. shuffle with a seed derived from the epoch, then slice), so that a run resumed at step k sees exactly the
/// batches an uninterrupted run would have seen. The trainer disposes each batch after its step.
/// </summary>
public interface ITrainingBatchSource
{
    TrainingBatch GetBatch(long step);
}
