namespace Siglip2.Training;

/// <summary>
/// Where a <see cref="Trainer"/> runs: its rank among the processes of a data-parallel job, how gradients are
/// synchronised, and which sigmoid loss it uses. <see cref="Single"/> is the one-process run. Only the main process
/// (rank 0) writes checkpoints and logs; every rank trains.
/// </summary>
public sealed record TrainingProcess
{
    public int Rank { get; init; }
    public int WorldSize { get; init; } = 1;
    public bool IsMainProcess => Rank == 0;

    /// <summary>Called between backward and clipping (default: nothing to do in one process).</summary>
    public IGradientSynchronizer Gradients { get; init; } = IGradientSynchronizer.None;

    /// <summary>
    /// The sigmoid term's loss; null = this process's own (<see cref="SigmoidLoss.Compute"/>, or the ring-chunked form
    /// with <see cref="TrainingOptions.LossChunks"/> &gt; 1). A data-parallel run passes a loss in which each rank's images
    /// meet every rank's texts.
    /// </summary>
    public SigmoidLossFunction? SigmoidLoss { get; init; }

    public static TrainingProcess Single { get; } = new();

    /// <summary>
    /// This rank of <paramref name="group"/>: <see cref="Single"/> for one process, else gradients averaged over the group
    /// (<see cref="MpiGradientSynchronizer"/>) and the sigmoid loss around the ring (<see cref="RingSigmoidLoss"/>).
    /// </summary>
    public static TrainingProcess Of(Siglip2.Distributed.IProcessGroup group) => group.Size == 1 ? Single : new TrainingProcess
    {
        Rank = group.Rank,
        WorldSize = group.Size,
        Gradients = new MpiGradientSynchronizer(group),
        SigmoidLoss = new RingSigmoidLoss(group).Compute,
    };

    public void Validate()
    {
        if (WorldSize < 1 || Rank < 0 || Rank >= WorldSize)
            throw new Siglip2Exception($"training process: rank {Rank} of {WorldSize} processes is not valid (0 ≤ rank < world size)");
    }
}
