namespace Siglip2.Training;

/// <summary>
/// Supplies the batches of a run with objectives beyond the sigmoid loss (<see cref="RecipeBatch"/>: the pairs plus
/// LocCa rows and augmented views). As <see cref="ITrainingBatchSource"/>, <see cref="GetBatch"/> must be a
/// deterministic function of the 0-based step; the trainer disposes each batch after its step.
/// </summary>
public interface IRecipeBatchSource
{
    RecipeBatch GetBatch(long step);
}
