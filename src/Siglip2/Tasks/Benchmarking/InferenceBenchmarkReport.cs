using Siglip2.Modeling;

namespace Siglip2.Tasks.Benchmarking;

/// <summary>One timed case: a tower of a layout in a dtype at a batch size.</summary>
public sealed record BenchmarkCaseResult(
    string Tower, string Layout, string DType, int Batch, string Attention, int Tokens, TimingStatistics Timing,
    double ItemsPerSecond, double LatencyMs, double GflopPerItem, double Gflops, double CeilingGflops, double FractionOfCeiling,
    double? FirstCallMs, long? PeakRssBytes)
{
    /// <summary>GFLOP/s of one encoder layer's products alone at this case's shapes and dtype (<see cref="LayerGemmRate"/>); NaN if not measured.</summary>
    public double LayerGemmGflops { get; init; } = double.NaN;

    /// <summary>The tower's rate divided by <see cref="LayerGemmGflops"/>: the share of the products' own speed the whole tower keeps.</summary>
    public double FractionOfLayerGemm => Gflops / LayerGemmGflops;
}

/// <summary>Time to load a real-size checkpoint (file written just before, so read from the page cache).</summary>
public sealed record CheckpointLoadResult(string Layout, string FileDType, string ModelDType, long FileBytes, TimingStatistics Timing);

/// <summary>Everything one <c>siglip2 bench</c> run measured.</summary>
public sealed record InferenceBenchmarkReport(
    DateTimeOffset Started, double DurationSeconds, bool Quick, MachineInfo Machine,
    IReadOnlyList<MatmulCeiling.Result> Ceilings,
    IReadOnlyList<BenchmarkCaseResult> Results,
    IReadOnlyList<BenchmarkCaseResult> AttentionTowerResults,
    IReadOnlyList<AttentionComparison.Result> AttentionKernels,
    IReadOnlyList<CheckpointLoadResult> Loads,
    long? PeakRssBytes,
    IReadOnlyList<string> Notes)
{
    /// <summary>1-minute load averages sampled at the start and after each layout (other work on the machine skews timings).</summary>
    public IReadOnlyList<double> LoadAverages { get; init; } = [];

    /// <summary>The ceiling used for ratios: the best median of the matmul measurements of that dtype in this run.</summary>
    public double CeilingGflops(string dtype) => Ceilings.Where(c => c.DType == dtype).Select(c => c.Gflops).DefaultIfEmpty(double.NaN).Max();

    public BenchmarkCaseResult? Find(string tower, string layout, string dtype, int batch) =>
        Results.FirstOrDefault(r => r.Tower == tower && r.Layout == layout && r.DType == dtype && r.Batch == batch);
}
