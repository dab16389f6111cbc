using Siglip2.Configuration;
using System.Globalization;
using System.Text.Json;
using ScottPlot;
using Siglip2.Cli.Infrastructure;
using Siglip2.Tasks.Benchmarking;
using Spectre.Console;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 bench`: inference speed of real-size layouts against the machine's matmul ceiling; writes docs/performance.md.</summary>
public sealed class BenchCommand : ICommand
{
    public string Name => "bench";
    public string Summary => "measure inference speed (real-size random models) against the machine's limit";
    public string Usage => """
        usage: siglip2 bench [--quick] [--output FILE.md] [--peer FILE.json] [--temp DIR] [--json]
               siglip2 bench --serve | --index | --ann [--output FILE.md]   (the server vs offline, indexing
                                 12 MP JPEGs vs the tower, or USearch over 1,000,000 random 768-d vectors
                                 vs exact search; a section of docs/performance.md)
               siglip2 bench --data-parallel [--batch-size B] [--steps N]   (1 process × all cores vs
                                 mpirun -np 2 × 1 thread on the calibration model; bytes and time in MPI)
               --ann-vectors N   vectors for --ann (default 1,000,000; the built graph is cached in --temp)
               siglip2 bench --onnx [--output FILE.md]   (TorchSharp fp32 vs ONNX Runtime fp32 and int8, B/16
                                 towers at batch 1 and 8, and int8's cosine to fp32 on real photos and texts)

          --quick           B/16@224 only, batch 8: TorchSharp fp32 and bf16, ONNX Runtime fp32 and int8
                            (a couple of minutes); writes no Markdown unless --output is given
          --output FILE.md  where to write the report (a PNG chart FILE.png goes beside it);
                            default for a full run: docs/performance.md of the repository
          --peer FILE.json  numbers of bench/pytorch_peer.py (a measured PyTorch run) to show beside ours
          --temp DIR        folder for the temporary real-size checkpoints (default: system temp)
          --json            print every measurement as JSON (an object with a "results" array)
        The full run (B/16@224, B/16 NaFlex 256 and 1024, So400m/14@224; TorchSharp fp32 and bf16, and
        ONNX Runtime fp32 and int8 on the same weights for B/16@224 and So400m/14; batch 1, 8, 32; the
        --dtype auto path and issue 14's targets) takes about 20-30 minutes on 2 cores. Set SIGLIP2_THREADS to change the thread count.
        example: siglip2 bench --quick
        """;

    private static int Section(ParsedArguments a)
    {
        string kind = a.Flag("--index") ? "index" : a.Flag("--ann") ? "ann" : a.Flag("--data-parallel") ? "data-parallel" : a.Flag("--onnx") ? "onnx" : "serve";
        string temp = a.Optional("--temp") ?? Path.GetTempPath();
        void Say(string m) => Console.Error.WriteLine("siglip2: " + m);
        object result;
        string section;
        switch (kind)
        {
            case "onnx": { var r = OnnxBenchmark.Run(temp, Say); result = r; section = OnnxBenchmark.Markdown(r); break; }
            case "index": { var r = IndexBenchmark.Run(temp, Say); result = r; section = IndexBenchmark.Markdown(r); break; }
            case "ann":
            {
                int vectors = a.Int("--ann-vectors", 1_000_000, 1000, 2_000_000);
                var r = AnnBenchmark.Run(temp, Say, vectors); result = r; section = AnnBenchmark.Markdown(r); break;
            }
            case "data-parallel":
            {
                var r = DataParallelBenchmark.Run(Say, a.Int("--batch-size", 512, 2, 65536), a.Int("--steps", 20, 1, 10000));
                result = r; section = DataParallelBenchmark.Markdown(r); break;
            }
            default: { var r = ServeBenchmark.Run(temp, Say); result = r; section = ServeBenchmark.Markdown(r); break; }
        }
        if (a.Flag("--json")) { Output.WriteJson(result); return 0; }
        Console.WriteLine(section);
        string output = a.Optional("--output") ?? Path.Combine(RepositoryPaths.Root, "docs", "performance.md");
        MarkdownSections.ReplaceMarked(output, $"{kind}-bench", section);
        Console.Error.WriteLine($"siglip2: wrote the {kind} section of {output}");
        return 0;
    }

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--output", "--peer", "--temp", "--ann-vectors", "--batch-size", "--steps"],
            ["--quick", "--json", "--serve", "--index", "--ann", "--data-parallel", "--onnx", DataParallelBenchmark.WorkerFlag]);
        if (a.Flag(DataParallelBenchmark.WorkerFlag)) return DataParallelBenchmark.Worker(a.Int("--batch-size", 512, 2, 65536), a.Int("--steps", 20, 1, 10000));
        string[] sections = ["--serve", "--index", "--ann", "--data-parallel", "--onnx"];
        if (sections.Count(a.Flag) > 1) throw new UsageException("give one of " + string.Join(", ", sections));
        if (sections.Any(a.Flag)) return Section(a);
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        bool quick = a.Flag("--quick"), json = a.Flag("--json");
        string? output = a.Optional("--output");
        if (output is null && !quick) output = Path.Combine(RepositoryPaths.Root, "docs", "performance.md");
        if (output != null && !output.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--output must name a Markdown file ending in .md, got '{output}'");
        string? peerFile = a.Optional("--peer");
        var peers = new List<PeerResult>();
        string? peerCommand = null;
        if (peerFile != null) (peers, peerCommand) = ReadPeer(peerFile);
        string? temp = a.Optional("--temp");
        if (temp != null && !Directory.Exists(temp)) throw new Siglip2Exception($"--temp folder not found: {temp}");

        var report = InferenceBenchmark.Run(new InferenceBenchmarkOptions
        {
            Quick = quick,
            TempFolder = temp,
            Progress = s => Console.Error.WriteLine("bench: " + s),
        });

        string? waitPolicy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        string command = (string.IsNullOrEmpty(waitPolicy) ? "" : $"OMP_WAIT_POLICY={waitPolicy} ") + "./siglip2 bench"
                         + (args.Count > 0 ? " " + string.Join(" ", args) : "");
        if (output != null)
        {
            string dir = Path.GetDirectoryName(Path.GetFullPath(output))!;
            Directory.CreateDirectory(dir);
            string chart = Path.ChangeExtension(output, ".png");
            Chart(report, chart);
            AtomicFile.WriteAllText(output, WithSections(PerformanceMarkdown.Render(report, Path.GetFileName(chart), command, peers, peerCommand), output));
            Console.Error.WriteLine($"bench: wrote {output} and {chart}");
        }
        if (json) WriteJson(report, peers);
        else PrintTable(report);
        return 0;
    }

    /// <summary>The report with the marked sections other runs wrote into the file (serve, index, ann, …) kept after it.</summary>
    public static string WithSections(string report, string path)
    {
        if (!File.Exists(path)) return report;
        var kept = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(path), @"<!-- ([a-z0-9-]+)-bench -->.*?<!-- /\1-bench -->",
            System.Text.RegularExpressions.RegexOptions.Singleline).Select(m => m.Value).ToList();
        return kept.Count == 0 ? report : report.TrimEnd() + "\n\n" + string.Join("\n\n", kept) + "\n";
    }

    private static (List<PeerResult>, string?) ReadPeer(string path)
    {
        if (!File.Exists(path)) throw new Siglip2Exception($"--peer file not found: {path} (produce it with python3 bench/pytorch_peer.py --json {path})");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            string runtime = root.GetProperty("runtime").GetString()!;
            string? command = root.TryGetProperty("command", out var c) ? c.GetString() : null;
            double? ceiling = root.TryGetProperty("matmul_fp32_gflops", out var m) ? m.GetDouble() : null;
            if (command != null)
            {
                var details = new List<string>();
                if (root.TryGetProperty("date", out var d)) details.Add($"run {d.GetString()}");
                if (root.TryGetProperty("load_average_start", out var l0) && root.TryGetProperty("load_average_end", out var l1))
                    details.Add(string.Create(CultureInfo.InvariantCulture, $"load average {l0.GetDouble():0.0} → {l1.GetDouble():0.0}"));
                if (root.TryGetProperty("omp_wait_policy", out var w)) details.Add($"OMP_WAIT_POLICY {w.GetString()}");
                if (ceiling is { } cg) details.Add(string.Create(CultureInfo.InvariantCulture, $"its 1024³ fp32 matmul {cg:0} GFLOP/s"));
                command = $"`{command}`" + (details.Count > 0 ? $" ({string.Join(", ", details)})" : "");
            }
            var list = root.GetProperty("results").EnumerateArray().Select(e => new PeerResult(runtime,
                e.GetProperty("tower").GetString()!, e.GetProperty("layout").GetString()!, e.GetProperty("dtype").GetString()!,
                e.GetProperty("batch").GetInt32(), e.GetProperty("items_per_s").GetDouble(),
                e.TryGetProperty("gflops", out var g) ? g.GetDouble() : null, "measured: " + Path.GetFileName(path), ceiling)).ToList();
            return (list, command);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new Siglip2Exception($"{path}: not a bench/pytorch_peer.py result ({e.Message.Split('\n')[0]})");
        }
    }

    private static void WriteJson(InferenceBenchmarkReport r, IReadOnlyList<PeerResult> peers)
    {
        object Case(BenchmarkCaseResult c) => new
        {
            tower = c.Tower, layout = c.Layout, dtype = c.DType, batch = c.Batch, attention = c.Attention, tokens = c.Tokens,
            items_per_s = c.ItemsPerSecond, latency_ms = c.LatencyMs, min_ms = c.Timing.MinMs, max_ms = c.Timing.MaxMs,
            q1_ms = c.Timing.Q1Ms, q3_ms = c.Timing.Q3Ms, repetitions = c.Timing.Count, gflop_per_item = c.GflopPerItem,
            gflops = c.Gflops, ceiling_gflops = c.CeilingGflops, fraction_of_ceiling = c.FractionOfCeiling,
            layer_gemm_gflops = double.IsNaN(c.LayerGemmGflops) ? (double?)null : c.LayerGemmGflops,
            first_call_ms = c.FirstCallMs, peak_rss_bytes = c.PeakRssBytes,
        };
        Output.WriteJson(new
        {
            started = r.Started, duration_s = r.DurationSeconds, quick = r.Quick,
            machine = new { cpu = r.Machine.CpuModel, cores = r.Machine.LogicalCores, threads = r.Machine.TorchThreads, cpu_flags = r.Machine.CpuFlags, torch = r.Machine.TorchVersion, runtime = r.Machine.Runtime },
            ceilings = r.Ceilings.Select(c => new { dtype = c.DType, size = c.Size, median_ms = c.Timing.MedianMs, min_ms = c.Timing.MinMs, max_ms = c.Timing.MaxMs, gflops = c.Gflops }),
            ceiling_gflops = new { fp32 = r.CeilingGflops("fp32"), bf16 = r.CeilingGflops("bf16") },
            results = r.Results.Select(Case),
            attention_towers = r.AttentionTowerResults.Select(Case),
            attention_kernels = r.AttentionKernels.Select(k => new { shape = k.Shape, dtype = k.DType, masked = k.Masked, sdpa_ms = k.SdpaMs, eager_ms = k.EagerMs, faster = k.Faster, auto_uses = k.AutoPicks }),
            loads = r.Loads.Select(l => new { layout = l.Layout, file_dtype = l.FileDType, model_dtype = l.ModelDType, file_bytes = l.FileBytes, median_s = l.Timing.MedianMs / 1000, min_s = l.Timing.MinMs / 1000, max_s = l.Timing.MaxMs / 1000 }),
            gates = r.Gates.Select(g => new { tower = g.Tower, layout = g.Layout, dtype = g.DType, min_cosine = g.MinCosine }),
            ort_overheads = r.OrtOverheads.Select(o => new { tower = o.Tower, layout = o.Layout, dtype = o.DType, batch = o.Batch, bare_ms = o.BareMs, pipeline_ms = o.PipelineMs, overhead = o.Overhead }),
            auto = r.Results.Select(c => (c.Tower, c.Layout, c.Batch)).Distinct()
                .Select(k => (k, a: r.Auto(k.Tower, k.Layout, k.Batch))).Where(x => x.a is not null)
                .Select(x => new { tower = x.k.Tower, layout = x.k.Layout, batch = x.k.Batch, path = x.a!.Value.Choice.Path.ToString(), speedup = x.a.Value.Choice.Speedup }),
            peak_rss_bytes = r.PeakRssBytes,
            load_averages = r.LoadAverages,
            peers = peers.Select(p => new { runtime = p.Runtime, tower = p.Tower, layout = p.Layout, dtype = p.DType, batch = p.Batch, items_per_s = p.ItemsPerSecond, gflops = p.Gflops, source = p.Source }),
            notes = r.Notes,
        });
    }

    private static void PrintTable(InferenceBenchmarkReport r)
    {
        var table = new Table().Title($"siglip2 bench — ceiling fp32 {r.CeilingGflops("fp32"):0} GFLOP/s, bf16 {r.CeilingGflops("bf16"):0} GFLOP/s");
        foreach (var h in new[] { "tower", "layout", "dtype", "batch", "items/s", "ms", "GFLOP/s", "÷ ceiling", "÷ layer GEMMs" }) table.AddColumn(h);
        foreach (var c in r.Results)
            table.AddRow(c.Tower, Markup.Escape(c.Layout), c.DType, c.Batch.ToString(CultureInfo.InvariantCulture),
                c.ItemsPerSecond.ToString("0.00", CultureInfo.InvariantCulture), c.Timing.MedianMs.ToString("0", CultureInfo.InvariantCulture),
                c.Gflops.ToString("0.0", CultureInfo.InvariantCulture), c.FractionOfCeiling.ToString("0.00", CultureInfo.InvariantCulture),
                c.FractionOfLayerGemm.ToString("0.00", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        foreach (var (tower, layout, batch) in r.Results.Select(c => (c.Tower, c.Layout, c.Batch)).Distinct())
            if (r.Auto(tower, layout, batch) is { } auto)
                AnsiConsole.MarkupLine(Markup.Escape($"auto {tower} {layout} batch {batch}: {auto.Choice.Path}, {auto.Choice.Speedup:0.00}× TorchSharp fp32"));
        foreach (var g in r.Gates) AnsiConsole.MarkupLine(Markup.Escape($"gate {g.Tower} {g.Layout} {g.DType}: min cosine to fp32 {g.MinCosine:0.00000}"));
        foreach (var o in r.OrtOverheads)
            AnsiConsole.MarkupLine(Markup.Escape($"pipeline vs bare ORT session, {o.Tower} {o.Layout} {o.DType} batch {o.Batch}: {o.PipelineMs:0} vs {o.BareMs:0} ms ({o.Overhead * 100:+0.0;-0.0}%)"));
        foreach (var l in r.Loads)
            AnsiConsole.MarkupLine($"load {Markup.Escape(l.Layout)} {l.FileDType} file as {l.ModelDType}: {l.Timing.MedianMs / 1000:0.00} s");
    }

    /// <summary>GFLOP/s per case (fp32 and bf16 bars) with the two matmul ceilings of the same run as dashed lines.</summary>
    private static void Chart(InferenceBenchmarkReport r, string png)
    {
        RegisterFonts();
        var keys = r.Results.Select(c => (c.Tower, c.Layout, c.Batch)).Distinct().ToList();
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        string[] dtypes = ["fp32", "bf16", "ort fp32", "ort int8"];
        int stride = dtypes.Length + 1;
        for (int s = 0; s < dtypes.Length; s++)
        {
            var bars = new List<Bar>();
            for (int i = 0; i < keys.Count; i++)
            {
                var c = r.Find(keys[i].Tower, keys[i].Layout, dtypes[s], keys[i].Batch);
                if (c != null) bars.Add(new Bar { Position = i * stride + s, Value = c.Gflops, FillColor = palette.GetColor(s) });
            }
            plot.Add.Bars(bars);
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = dtypes[s].StartsWith("ort", StringComparison.Ordinal) ? dtypes[s].Replace("ort", "ONNX Runtime") : $"TorchSharp {dtypes[s]}", FillColor = palette.GetColor(s) });
            double ceiling = r.CeilingGflops(dtypes[s]);
            if (!double.IsNaN(ceiling))
            {
                var line = plot.Add.HorizontalLine(ceiling, 2, palette.GetColor(s), LinePattern.Dashed);
                line.LegendText = $"{dtypes[s]} 1024³ matmul ({ceiling:0} GFLOP/s)";
            }
        }
        var ticks = keys.Select((k, i) => new Tick(i * stride + 1.5, $"{k.Tower} {k.Layout} ×{k.Batch}")).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 170;
        plot.Title("siglip2 inference: achieved GFLOP/s per tower, layout and batch");
        plot.YLabel("GFLOP/s");
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.UpperRight);
        AtomicFile.WriteAllBytes(png, plot.GetImageBytes(1100, 650, ImageFormat.Png));
    }

    /// <summary>SkiaSharp's self-contained Linux build does not query fontconfig: register DejaVu Sans (as Plots does).</summary>
    private static void RegisterFonts()
    {
        const string regular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
        if (!File.Exists(regular)) return;
        Fonts.AddFontFile("DejaVu Sans", regular, bold: false, italic: false);
        Fonts.Default = "DejaVu Sans";
    }
}
