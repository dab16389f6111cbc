namespace Siglip2.Training;

/// <summary>
/// A <see cref="IRecipeBatchSource"/> that prepares the next step's batch on a background thread while the current one
/// trains, and times it: what <see cref="TrainingRun.Steps"/> reports as the data shares of a run
/// (<see cref="RecipeBatchSource"/> on FashionScenes, <see cref="UserDataRecipeBatchSource"/> on the user's data).
/// </summary>
public interface IPrefetchingRecipeBatchSource : IRecipeBatchSource
{
    /// <summary>Seconds the training loop waited for a batch, summed.</summary>
    double WaitSeconds { get; }

    /// <summary>Seconds spent preparing batches (on the background thread), summed.</summary>
    double PrepareSeconds { get; }
}
