using System.Diagnostics;
using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Modeling;
using Siglip2.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Benchmarking;

/// <summary>Options for <see cref="InferenceBenchmark.Run"/>.</summary>
public sealed record InferenceBenchmarkOptions
{
    /// <summary>B/16@224 only, batch 8 (a couple of minutes).</summary>
    public bool Quick { get; init; }
    /// <summary>Timed seconds aimed at per case (repetitions = budget / one call, within [min, max]).</summary>
    public double SecondsPerCase { get; init; } = 6;
    public int MinRepetitions { get; init; } = 3;
    public int MaxRepetitions { get; init; } = 12;
    /// <summary>Cases whose single call takes longer than this run <see cref="MinRepetitionsForSlowCases"/> repetitions.</summary>
    public double SlowCallSeconds { get; init; } = 8;
    public int MinRepetitionsForSlowCases { get; init; } = 2;
    /// <summary>Folder for the temporary real-size checkpoints (deleted afterwards); default: the system temp folder.</summary>
    public string? TempFolder { get; init; }
    /// <summary>Progress lines (what is being measured).</summary>
    public Action<string>? Progress { get; init; }
}

/// <summary>
/// Inference speed of real-size SigLIP 2 layouts with random weights (no download): image and text tower throughput
/// and latency per dtype and batch, first-call latency, peak RSS, checkpoint load time, and — in the same run — the
/// machine's ceiling (a 1024³ matmul per dtype), so every tower rate is also reported as a fraction of it.
/// </summary>
public static class InferenceBenchmark
{
    private static readonly ScalarType[] DTypes = [ScalarType.Float32, ScalarType.BFloat16];

    public static InferenceBenchmarkReport Run(InferenceBenchmarkOptions? options = null)
    {
        options ??= new InferenceBenchmarkOptions();
        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        var notes = new List<string>();
        var ceilings = new List<MatmulCeiling.Result>();
        var raw = new List<BenchmarkCaseResult>();
        var towerAttention = new List<BenchmarkCaseResult>();
        var kernels = new List<AttentionComparison.Result>();
        var loads = new List<CheckpointLoadResult>();
        var loadAverages = new List<double>();
        var gates = new List<GateResult>();
        var overheads = new List<OrtOverheadResult>();
        void Sample() { if (MachineInfo.LoadAverage() is { } l) loadAverages.Add(l); }
        void Say(string s) => options.Progress?.Invoke(s);
        Sample();

        Say("ceiling: 1024³ matmul fp32 / bf16");
        foreach (var dt in DTypes) ceilings.Add(MatmulCeiling.Measure(dt));

        Say("attention kernels: sdpa vs eager");
        foreach (var dt in DTypes)
        {
            kernels.Add(AttentionComparison.Measure(dt, 8, 12, 196, 64, 0));
            kernels.Add(AttentionComparison.Measure(dt, 8, 12, 256, 64, 4));
            if (!options.Quick) kernels.Add(AttentionComparison.Measure(dt, 8, 12, 1024, 64, 16, repetitions: 3));
        }

        var layouts = options.Quick ? BenchmarkLayout.Quick : BenchmarkLayout.Full;
        foreach (var layout in layouts)
        {
            if (layout.NaflexPatches is null && layout.Preset == BenchmarkLayout.Base16.Preset)
                RunFromCheckpoint(layout, options, raw, towerAttention, loads, gates, overheads, Say);
            else
                RunRandomTowers(layout, options, raw, gates, Say);
            GC.Collect();
            Sample();
        }

        Say("ceiling again: 1024³ matmul fp32 / bf16");
        foreach (var dt in DTypes) ceilings.Add(MatmulCeiling.Measure(dt));

        InferenceBenchmarkReport report = new(started, 0, options.Quick, MachineInfo.Current(), ceilings, [], [], kernels, loads,
            MachineInfo.PeakResidentBytes(), notes);
        BenchmarkCaseResult WithCeiling(BenchmarkCaseResult r)
        {
            double ceiling = report.CeilingGflops(r.DType.StartsWith("ort", StringComparison.Ordinal) ? "fp32" : r.DType); // ORT computes in fp32 (int8: its products in integers, compared with the fp32 rate)
            return r with { CeilingGflops = ceiling, FractionOfCeiling = r.Gflops / ceiling };
        }
        if (!options.Quick)
            notes.Add("So400m/14@224 and B/16 NaFlex 1024 run batch 1 and 8 only; NaFlex's text tower is B/16's (not repeated).");
        notes.Add("A ratio above 1 means the tower's large products ran faster than the 1024³ reference product did in this run (bigger matrices, or less competing load at that moment): the 1024³ rate is a practical reference, not a hard peak.");
        notes.Add("ONNX Runtime (`ort fp32`, `ort int8`) runs in this process on the same weights: the towers exported by `OnnxTowerExport`, one session each with the backend's settings (intra-op threads = cores, sequential, all graph optimisations), fixed-resolution layouts only; its GFLOP/s count the same FLOP as the torch tower and are divided by the fp32 ceiling.");
        notes.Add("The auto rows apply `--dtype auto`'s rule (`AutoPathChooser`) to this run's times; bf16 is a candidate only where its gate was measured (not in this benchmark: see BFloat16ParityTests), int8 with its gate cosine measured here (int8 vs the fp32 graph on the benchmark's random batch).");
        notes.Add("Peers: bench/pytorch_peer.py (`--peer`) runs in its own process (its line above says when, under what load and with which OpenMP wait policy).");
        notes.Add($"Calls slower than {options.SlowCallSeconds} s are repeated {options.MinRepetitionsForSlowCases}× after one warm-up call; others {options.MinRepetitions}–{options.MaxRepetitions}× (≈{options.SecondsPerCase} s per case).");
        return report with
        {
            DurationSeconds = clock.Elapsed.TotalSeconds,
            Results = raw.Select(WithCeiling).ToList(),
            AttentionTowerResults = towerAttention.Select(WithCeiling).ToList(),
            PeakRssBytes = MachineInfo.PeakResidentBytes(),
            LoadAverages = loadAverages,
            Gates = gates,
            OrtOverheads = overheads,
        };
    }

    /// <summary>B/16@224: writes a random real-size checkpoint, times loading it, and benchmarks the loaded towers.</summary>
    private static void RunFromCheckpoint(BenchmarkLayout layout, InferenceBenchmarkOptions options, List<BenchmarkCaseResult> results,
        List<BenchmarkCaseResult> towerAttention, List<CheckpointLoadResult> loads, List<GateResult> gates, List<OrtOverheadResult> overheads, Action<string> say)
    {
        string root = Path.Combine(options.TempFolder ?? Path.GetTempPath(), $"siglip2-bench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        string fp32Dir = Path.Combine(root, "fp32"), bf16Dir = Path.Combine(root, "bf16");
        try
        {
            say($"{layout.Name}: writing random real-size checkpoints (fp32 and bf16) to {root}");
            using (var model = new Siglip2Model(layout.Config))
            {
                CheckpointWriter.Save(model, fp32Dir);
                CheckpointWriter.Save(model, bf16Dir, ScalarType.BFloat16);
            }
            GC.Collect();
            foreach (var (dir, fileType, modelType) in new[]
                     {
                         (fp32Dir, "fp32", (ScalarType?)null), (bf16Dir, "bf16", ScalarType.BFloat16), (fp32Dir, "fp32", ScalarType.BFloat16),
                     })
            {
                say($"{layout.Name}: load {fileType} file as {DTypeNames.Of(modelType ?? ScalarType.Float32)}");
                var times = new List<double>();
                for (int i = 0; i < 3; i++)
                {
                    var sw = Stopwatch.StartNew();
                    using (CheckpointLoader.Load(dir, new LoadOptions { DType = modelType })) times.Add(sw.Elapsed.TotalMilliseconds);
                }
                long bytes = new FileInfo(Path.Combine(dir, CheckpointLoader.SingleFileName)).Length;
                loads.Add(new CheckpointLoadResult(layout.Name, fileType, DTypeNames.Of(modelType ?? ScalarType.Float32), bytes, TimingStatistics.From(times)));
            }
            foreach (var dt in DTypes)
            {
                string dir = dt == ScalarType.Float32 ? fp32Dir : bf16Dir;
                using var model = CheckpointLoader.Load(dir, new LoadOptions { DType = dt });
                var image = ImageWorkload(model.Vision, layout);
                RunCases("image", layout, dt, layout.ImageBatches, image, options, results, say);
                if (!options.Quick)
                {
                    foreach (var impl in new[] { AttentionImplementation.Sdpa, AttentionImplementation.Eager })
                    {
                        model.SetAttentionImplementation(impl);
                        RunCases("image", layout, dt, [8], image, options, towerAttention, say, impl, firstCall: false);
                    }
                    model.SetAttentionImplementation(AttentionImplementation.Auto);
                }
                RunCases("text", layout, dt, layout.TextBatches, TextWorkload(model.Text), options, results, say);
                if (dt == ScalarType.Float32)
                {
                    // ONNX Runtime on the same fp32 weights; the graphs go where the backend's embedder reads them
                    using var ortFp32 = new OnnxEmbedder(model, fp32Dir, OnnxPrecision.Float32, Path.Combine(root, "ort"));
                    using var ortInt8 = new OnnxEmbedder(model, fp32Dir, OnnxPrecision.Int8, Path.Combine(root, "ort"));
                    OnnxEmbedder Embedder(OnnxPrecision p) => p == OnnxPrecision.Int8 ? ortInt8 : ortFp32;
                    OrtTowerBenchmark.Run("image", layout, model.Vision, null, layout.ImageBatches, p => Path.Combine(Embedder(p).GraphFolder, "vision_model.onnx"),
                        Embedder, options, results, gates, overheads, say);
                    OrtTowerBenchmark.Run("text", layout, null, model.Text, layout.TextBatches, p => Path.Combine(Embedder(p).GraphFolder, "text_model.onnx"),
                        Embedder, options, results, gates, overheads, say);
                }
            }
        }
        finally
        {
            try { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>Other layouts: the towers built directly with random init (fp32), then converted to bf16.</summary>
    private static void RunRandomTowers(BenchmarkLayout layout, InferenceBenchmarkOptions options, List<BenchmarkCaseResult> results, List<GateResult> gates, Action<string> say)
    {
        string root = Path.Combine(options.TempFolder ?? Path.GetTempPath(), $"siglip2-bench-ort-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try { RunRandomTowers(layout, options, results, gates, root, say); }
        finally
        {
            try { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
            catch (IOException) { }
        }
    }

    private static void RunRandomTowers(BenchmarkLayout layout, InferenceBenchmarkOptions options, List<BenchmarkCaseResult> results, List<GateResult> gates, string root, Action<string> say)
    {
        var config = layout.Config;
        bool ort = layout.NaflexPatches is null; // the fixed-resolution graphs (NaFlex: torch only here)
        string Graph(string tower, OnnxPrecision p) => Path.Combine(root, $"{tower}-{OnnxTowerExport.PrecisionName(p)}.onnx");
        if (layout.ImageBatches.Length > 0)
        {
            say($"{layout.Name}: building the image tower (random weights)");
            using var vision = new SiglipVisionTransformer(config.Vision!);
            vision.eval();
            var work = ImageWorkload(vision, layout);
            foreach (var dt in DTypes)
            {
                if (dt != ScalarType.Float32) vision.to(dt);
                RunCases("image", layout, dt, layout.ImageBatches, work, options, results, say);
                if (dt == ScalarType.Float32 && ort)
                    OrtTowerBenchmark.Run("image", layout, vision, null, layout.ImageBatches, p => Graph("image", p), null, options, results, gates, [], say);
            }
        }
        if (layout.TextBatches.Length > 0)
        {
            say($"{layout.Name}: building the text tower (random weights)");
            using var text = new SiglipTextTransformer(config.Text!);
            text.eval();
            var work = TextWorkload(text);
            foreach (var dt in DTypes)
            {
                if (dt != ScalarType.Float32) text.to(dt);
                RunCases("text", layout, dt, layout.TextBatches, work, options, results, say);
                if (dt == ScalarType.Float32 && ort)
                    OrtTowerBenchmark.Run("text", layout, null, text, layout.TextBatches, p => Graph("text", p), null, options, results, gates, [], say);
            }
        }
    }

    private sealed record Workload(double FlopPerItem, int Tokens, int Width, int Mlp, Func<int, Tensor[]> Inputs, Action<Tensor[]> Forward);

    private static Workload ImageWorkload(SiglipVisionTransformer vision, BenchmarkLayout layout)
    {
        var c = vision.Config;
        int tokens = layout.ImageTokens;
        double flop = FlopCounter.ImageTower(c, (long)tokens);
        if (layout.NaflexPatches is { } n)
        {
            var (h, w) = layout.NaflexGrid!.Value;
            return new Workload(flop, tokens, c.HiddenSize, c.IntermediateSize,
                batch =>
                {
                    var pixels = torch.randn(batch, n, c.PatchDim);
                    var mask = torch.zeros(batch, n, ScalarType.Int64);
                    mask.narrow(1, 0, h * w).fill_(1);
                    var shapes = torch.tensor(Enumerable.Repeat(new long[] { h, w }, batch).SelectMany(x => x).ToArray(), [batch, 2]);
                    return [pixels, mask, shapes];
                },
                t => vision.Forward(t[0], t[1], t[2]).Dispose());
        }
        return new Workload(flop, tokens, c.HiddenSize, c.IntermediateSize,
            batch => [torch.randn(batch, c.NumChannels, c.ImageSize, c.ImageSize)],
            t => vision.Forward(t[0]).Dispose());
    }

    private static Workload TextWorkload(SiglipTextTransformer text)
    {
        var c = text.Config;
        int length = BenchmarkLayout.TextLength;
        return new Workload(FlopCounter.TextTower(c, length), length, c.HiddenSize, c.IntermediateSize,
            batch => [torch.randint(0, c.VocabSize, [batch, length], ScalarType.Int64)],
            t => text.Forward(t[0]).Dispose());
    }

    private static void RunCases(string tower, BenchmarkLayout layout, ScalarType dtype, int[] batches, Workload work,
        InferenceBenchmarkOptions options, List<BenchmarkCaseResult> results, Action<string> say,
        AttentionImplementation attention = AttentionImplementation.Auto, bool firstCall = true)
    {
        string dt = DTypeNames.Of(dtype);
        for (int bi = 0; bi < batches.Length; bi++)
        {
            int batch = batches[bi];
            say($"{layout.Name} {tower} {dt} batch {batch}{(attention == AttentionImplementation.Auto ? "" : $" attention {attention.ToString().ToLowerInvariant()}")}");
            using var mode = torch.inference_mode();
            var inputs = work.Inputs(batch);
            try
            {
                double Call()
                {
                    using var scope = NewDisposeScope();
                    var sw = Stopwatch.StartNew();
                    work.Forward(inputs);
                    return sw.Elapsed.TotalMilliseconds;
                }
                // The first call of a freshly built or loaded tower (allocations, kernel selection, caches) is reported apart.
                double? first = firstCall && bi == 0 ? Call() : null;
                double estimate = Call(); // warm-up
                if (first is null && estimate < 1000 * options.SecondsPerCase / options.MaxRepetitions) estimate = Call();
                int min = estimate > options.SlowCallSeconds * 1000 ? options.MinRepetitionsForSlowCases : options.MinRepetitions;
                int reps = Math.Clamp((int)Math.Ceiling(options.SecondsPerCase * 1000 / estimate), min, options.MaxRepetitions);
                var times = new List<double>(reps);
                for (int r = 0; r < reps; r++) times.Add(Call());
                var stats = TimingStatistics.From(times);
                double itemsPerSecond = batch / (stats.MedianMs / 1000);
                double gflops = work.FlopPerItem * itemsPerSecond / 1e9;
                results.Add(new BenchmarkCaseResult(tower, layout.Name, dt, batch, attention.ToString().ToLowerInvariant(), work.Tokens, stats,
                    itemsPerSecond, stats.MedianMs, work.FlopPerItem / 1e9, gflops, double.NaN, double.NaN, first, MachineInfo.PeakResidentBytes())
                {
                    LayerGemmGflops = attention == AttentionImplementation.Auto
                        ? LayerGemmRate.Measure(dtype, (long)batch * work.Tokens, work.Width, work.Mlp).Gflops
                        : double.NaN,
                });
                say($"  {itemsPerSecond:0.00} {tower}s/s, {stats.MedianMs:0} ms (min {stats.MinMs:0}, max {stats.MaxMs:0}, n={reps}), {gflops:0.0} GFLOP/s; its layer's products alone {results[^1].LayerGemmGflops:0.0} GFLOP/s");
            }
            finally
            {
                foreach (var t in inputs) t.Dispose();
            }
        }
    }
}
