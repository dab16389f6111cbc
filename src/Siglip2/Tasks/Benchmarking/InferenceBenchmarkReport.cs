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

    /// <summary>int8's gate cosines measured in the run (ONNX Runtime int8 vs fp32 graph), per layout and tower.</summary>
    public IReadOnlyList<GateResult> Gates { get; init; } = [];

    /// <summary>Our pipeline around an ONNX Runtime session against the bare session (B/16).</summary>
    public IReadOnlyList<OrtOverheadResult> OrtOverheads { get; init; } = [];

    /// <summary>
    /// The path `--dtype auto` takes for a (tower, layout, batch) by its rule (<see cref="AutoPathChooser"/>) applied to
    /// this run's times: torch fp32, ort fp32, ort int8 with its measured gate (bf16 only with a gate, which this
    /// benchmark does not measure); null without a torch fp32 case. Its case row is the chosen path's.
    /// </summary>
    public (AutoPathChoice Choice, BenchmarkCaseResult Case)? Auto(string tower, string layout, int batch)
    {
        var fp32 = Find(tower, layout, "fp32", batch);
        if (fp32 is null) return null;
        double? int8Gate = Gates.FirstOrDefault(g => g.Tower == tower && g.Layout == layout && g.DType == "ort int8")?.MinCosine;
        var rows = new List<PathMeasurement> { new(InferencePath.TorchFloat32, tower, fp32.Timing.MedianMs, 1) };
        var byPath = new Dictionary<InferencePath, BenchmarkCaseResult> { [InferencePath.TorchFloat32] = fp32 };
        void Add(InferencePath path, string dtype, double? cosine)
        {
            if (Find(tower, layout, dtype, batch) is not { } c) return;
            rows.Add(new PathMeasurement(path, tower, c.Timing.MedianMs, cosine));
            byPath[path] = c;
        }
        Add(InferencePath.TorchBFloat16, "bf16", null);
        Add(InferencePath.OnnxFloat32, "ort fp32", 1);
        Add(InferencePath.OnnxInt8, "ort int8", int8Gate);
        var candidates = InferencePath.All.Where(p => p != InferencePath.TorchBFloat16).ToList();
        var choice = AutoPathChooser.Choose(rows, candidates);
        return (choice, byPath[choice.Path]);
    }

    /// <summary>The ceiling used for ratios: the best median of the matmul measurements of that dtype in this run.</summary>
    public double CeilingGflops(string dtype) => Ceilings.Where(c => c.DType == dtype).Select(c => c.Gflops).DefaultIfEmpty(double.NaN).Max();

    public BenchmarkCaseResult? Find(string tower, string layout, string dtype, int batch) =>
        Results.FirstOrDefault(r => r.Tower == tower && r.Layout == layout && r.DType == dtype && r.Batch == batch);
}
