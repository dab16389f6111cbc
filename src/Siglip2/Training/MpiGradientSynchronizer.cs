using Siglip2.Distributed;
using TorchSharp.Modules;

namespace Siglip2.Training;

/// <summary>
/// The data-parallel <see cref="IGradientSynchronizer"/>: the ranks' gradients are averaged with bucketed allreduces
/// (<see cref="GradientAllReduce"/>). With <see cref="RingSigmoidLoss"/> for the contrastive term and per-rank means for
/// local terms, N ranks × a local batch B then step exactly as one process with the global batch N·B (docs/distributed.md).
/// On a <see cref="SingleProcessGroup"/> it changes nothing, so a trainer can always use it.
/// </summary>
public sealed class MpiGradientSynchronizer : IGradientSynchronizer
{
    private readonly GradientAllReduce _allReduce;

    public MpiGradientSynchronizer(IProcessGroup group, long bucketBytes = GradientAllReduce.DefaultBucketBytes)
    {
        Group = group;
        _allReduce = new GradientAllReduce(group, bucketBytes);
    }

    public IProcessGroup Group { get; }

    /// <summary>Payload bytes of the last step's gradient allreduces (for the benchmark's bytes per step).</summary>
    public long LastPayloadBytes => _allReduce.LastPayloadBytes;

    /// <summary>Wall time of the last step's gradient allreduces.</summary>
    public TimeSpan LastCommunicationTime => _allReduce.LastCommunicationTime;

    public void Synchronize(IReadOnlyList<Parameter> parameters) => _allReduce.Average(parameters);

    public double AverageLoss(double local)
    {
        Span<double> value = [local];
        Group.AllReduceSum(value);
        return value[0] / Group.Size;
    }
}
