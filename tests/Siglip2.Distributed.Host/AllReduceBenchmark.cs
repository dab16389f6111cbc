using System.Diagnostics;
using Siglip2.Modeling;
using Siglip2.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Distributed.Host;

/// <summary>
/// Not a test: times one gradient bucket's copy into the pinned buffer (TorchSharp's TensorAccessor vs <c>copy_</c> into a
/// <c>frombuffer</c> view), MPI_Allreduce and copy out for a
/// few bucket sizes, and a whole <see cref="GradientAllReduce.Average"/> over the parameters of the tiny training preset
/// (medians of 5). Numbers for docs/distributed.md.
/// </summary>
internal static class AllReduceBenchmark
{
    public static void Run(IProcessGroup group, HostOutput output)
    {
        _group = group;
        var rows = new List<Dictionary<string, double>>();
        foreach (int megabytes in new[] { 1, 4, 25, 100 })
        {
            long elements = megabytes * (1L << 20) / sizeof(float);
            var grad = torch.randn(elements);
            var buffer = GC.AllocateArray<float>((int)elements, pinned: true);
            using var view = torch.frombuffer(buffer, ScalarType.Float32);
            double accessorCopy = Median(() => grad.data<float>().CopyTo(buffer.AsSpan()));
            double copyIn = Median(() => view.copy_(grad));
            double reduce = Median(() => group.AllReduceSum<float>(buffer));
            double copyOut = Median(() => grad.copy_(view));
            rows.Add(new() { ["megabytes"] = megabytes, ["accessorCopyInMs"] = accessorCopy, ["copyInMs"] = copyIn, ["allreduceMs"] = reduce, ["copyOutMs"] = copyOut });
            grad.Dispose();
        }
        output.Add("buckets", rows);

        var recipe = TrainingRecipe.Get("tiny");
        using var model = new Siglip2Model(recipe.ModelConfig(recipe.VocabSize));
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        foreach (var p in parameters) p.grad = torch.randn_like(p);
        var allReduce = new GradientAllReduce(group);
        double step = Median(() => allReduce.Average(parameters));
        output.Add("tinyParameters", parameters.Sum(p => p.numel()));
        output.Add("tinyPayloadBytes", allReduce.LastPayloadBytes);
        output.Add("tinyAverageMs", step);
        output.Add("tinyAllreduceMs", allReduce.LastCommunicationTime.TotalMilliseconds);
        output.Write();
    }

    private static IProcessGroup? _group;

    /// <summary>Median of 5 timed runs after a warm-up; a barrier before each, so no rank's time includes waiting for another's copy.</summary>
    private static double Median(Action action)
    {
        action();
        var times = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            _group!.Barrier();
            long start = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        times.Sort();
        return times[2];
    }
}
