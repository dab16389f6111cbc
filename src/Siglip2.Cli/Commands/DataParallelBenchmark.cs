using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Siglip2.Cli.Infrastructure;
using Siglip2.Distributed;
using Siglip2.Tasks.Benchmarking;
using Siglip2.Training;

namespace Siglip2.Cli.Commands;

/// <summary>
/// `siglip2 bench --data-parallel`: the calibration model (<see cref="TrainingBenchmark.CalibrationConfig"/>) trained
/// with one global batch as 1 process × all cores and as `mpirun -np 2` × 1 thread each, measured in one run (two
/// child jobs of this command), with the bytes each rank hands to MPI per step and the share of the step spent inside
/// collectives; and a table extrapolating to N nodes from those measurements.
/// </summary>
public static class DataParallelBenchmark
{
    public const string WorkerFlag = "--data-parallel-worker";

    public sealed record Result(TrainingBenchmark.DataParallelResult OneProcess, TrainingBenchmark.DataParallelResult TwoRanks, int EmbeddingDimensions,
        double? LoadAverageStart, double? LoadAverageEnd, string Cpu, string Date)
    {
        public double Ratio => TwoRanks.ImagesPerSecond / OneProcess.ImagesPerSecond;
    }

    /// <summary>The worker inside each child job: one measurement, printed as JSON by rank 0.</summary>
    public static int Worker(int globalBatch, int steps)
    {
        using var group = ProcessGroup.Create();
        try
        {
            var r = TrainingBenchmark.RunDataParallel(TrainingBenchmark.CalibrationConfig(), globalBatch, group, measuredSteps: steps);
            if (group.Rank == 0) Console.WriteLine(JsonSerializer.Serialize(r));
            return 0;
        }
        catch (Exception e) when (group.Size > 1)
        {
            group.Abort(1, "bench worker: " + e.Message);
            throw;
        }
    }

    public static Result Run(Action<string> say, int globalBatch = 512, int steps = 20)
    {
        double? load0 = MachineInfo.LoadAverage();
        int cores = Environment.ProcessorCount;
        say($"data-parallel bench: 1 process × {cores} threads, global batch {globalBatch}");
        var one = Child(0, cores, globalBatch, steps);
        say($"data-parallel bench: mpirun -np 2 × 1 thread, the same global batch");
        var two = Child(2, 1, globalBatch, steps);
        return new Result(one, two, TrainingBenchmark.CalibrationConfig().Text!.ProjectionSize, load0, MachineInfo.LoadAverage(),
            MachineInfo.Current().CpuModel, DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
    }

    private static TrainingBenchmark.DataParallelResult Child(int ranks, int threads, int globalBatch, int steps)
    {
        string dll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        if (ranks == 0) start.FileName = dotnet;
        else
        {
            start.FileName = "mpirun";
            if (Environment.UserName == "root") start.ArgumentList.Add("--allow-run-as-root");
            foreach (var a in new[] { "--oversubscribe", "--bind-to", "none", "-np", ranks.ToString(CultureInfo.InvariantCulture), "-x", "SIGLIP2_THREADS", dotnet })
                start.ArgumentList.Add(a);
            // containers: shared memory without the ptrace-based single copy (docs/distributed.md)
            start.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
        }
        start.Environment["SIGLIP2_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        foreach (var name in ProcessGroup.LauncherVariables) start.Environment.Remove(name);
        foreach (var a in new[] { dll, "bench", WorkerFlag, "--batch-size", globalBatch.ToString(CultureInfo.InvariantCulture), "--steps", steps.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception) { throw new Siglip2Exception("mpirun not found: install openmpi-bin (scripts/ensure-deps.sh --tests does)"); }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            // the JSON line of rank 0 (a launcher may put terminal control bytes before it)
            string line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.Contains("{\"Ranks\"", StringComparison.Ordinal)) is { } l
                ? l[l.IndexOf('{')..].Trim() : "";
            if (process.ExitCode != 0 || line.Length == 0)
                throw new Siglip2Exception($"the {(ranks == 0 ? "one-process" : $"{ranks}-rank")} benchmark job failed (exit {process.ExitCode}): {MessageTail(stderr.Result + stdout)}");
            return JsonSerializer.Deserialize<TrainingBenchmark.DataParallelResult>(line)!;
        }
    }

    private static string MessageTail(string text) => Siglip2.Configuration.MessageText.OneLine(text.Length > 400 ? text[^400..] : text);

    /// <summary>
    /// Extrapolation to N nodes of 2 cores with the same global batch per node: compute per image from the one-process
    /// run, the gradient allreduce as a ring (2·(N−1)/N of the gradient bytes on each link) and the text embeddings'
    /// N−1 ring hops, over a network of the given bandwidth, plus a fixed latency per message.
    /// </summary>
    public static IReadOnlyList<(int Nodes, double Gbps, double Efficiency, double ImagesPerSecond)> Extrapolate(Result r, int[] nodes, double[] gbps, double latencySeconds = 20e-6)
    {
        double computePerImage = 1 / r.OneProcess.ImagesPerSecond; // all cores of one node on its share
        double gradientBytes = r.TwoRanks.GradientBytesPerStep;
        int perNodeBatch = r.OneProcess.GlobalBatchSize;
        var rows = new List<(int, double, double, double)>();
        foreach (double g in gbps)
            foreach (int n in nodes)
            {
                double bytesPerSecond = g * 1e9 / 8;
                double compute = perNodeBatch * computePerImage;
                double allreduce = n == 1 ? 0 : 2.0 * (n - 1) / n * gradientBytes / bytesPerSecond + 2 * (n - 1) * latencySeconds;
                double embeddings = n == 1 ? 0 : (n - 1) * (perNodeBatch * r.EmbeddingDimensions * 4.0 / bytesPerSecond + latencySeconds) * 2; // forward + gradient back
                double step = compute + allreduce + embeddings;
                rows.Add((n, g, compute / step, n * perNodeBatch / step));
            }
        return rows;
    }

    public static string Markdown(Result r)
    {
        var one = r.OneProcess;
        var two = r.TwoRanks;
        var sb = new StringBuilder();
        sb.AppendLine("## Data-parallel training (`siglip2 bench --data-parallel`)");
        sb.AppendLine();
        sb.AppendLine($"{r.Cpu}, {r.Date}: the calibration model (ViT 128×4 on 28×28, text 128×2, sigmoid loss, AdamW) on random batches, global batch {one.GlobalBatchSize}, {one.MeasuredSteps} timed steps after 3 untimed ones; both jobs started by this command in one run. Load average {F(r.LoadAverageStart)} at the start, {F(r.LoadAverageEnd)} at the end.");
        sb.AppendLine();
        sb.AppendLine("| job | img/s | ratio | payload per rank per step | of it gradients | time inside MPI |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|");
        sb.AppendLine($"| 1 process × {one.Threads} threads | {one.ImagesPerSecond:F0} | 1.00 | — | — | — |");
        sb.AppendLine($"| `mpirun -np 2` × {two.Threads} thread | {two.ImagesPerSecond:F0} | **{r.Ratio:F2}** | {two.PayloadBytesPerStep / 1e6:F2} MB | {two.GradientBytesPerStep / 1e6:F2} MB | {two.CommunicationShare:P1} of the step |");
        sb.AppendLine();
        sb.AppendLine($"The goal is a ratio ≥ 0.9. \"Time inside MPI\" includes waiting for the other rank at the step's collectives (load imbalance), not only moving bytes (shared memory here).");
        sb.AppendLine();
        sb.AppendLine("Extrapolated to N nodes (each with this node's compute and a share of the global batch equal to this run's): gradient allreduce as a ring, 2·(N−1)/N × the gradient bytes per link; the text embeddings' N−1 ring hops both ways; 20 µs per message. Compute per image from the one-process row.");
        sb.AppendLine();
        sb.AppendLine("| nodes | 10 Gb/s: efficiency | img/s | 100 Gb/s: efficiency | img/s |");
        sb.AppendLine("|---:|---:|---:|---:|---:|");
        int[] nodes = [1, 2, 4, 8, 16, 64];
        var rows = Extrapolate(r, nodes, [10, 100]);
        foreach (int n in nodes)
        {
            var a = rows.First(x => x.Nodes == n && x.Gbps == 10);
            var b = rows.First(x => x.Nodes == n && x.Gbps == 100);
            sb.AppendLine($"| {n} | {a.Efficiency:P0} | {a.ImagesPerSecond:F0} | {b.Efficiency:P0} | {b.ImagesPerSecond:F0} |");
        }
        sb.AppendLine();
        sb.AppendLine($"The calibration model is tiny ({two.GradientBytesPerStep / 1e6:F1} MB of gradients per step) and its steps are short, so communication weighs more than for a real-size model, whose compute per image grows faster than its gradients. The extrapolation adds communication to compute without overlap, for equal nodes; it is derived from these measurements, not measured on a cluster.");
        return sb.ToString();
    }

    private static string F(double? v) => v is { } x ? x.ToString("F1", CultureInfo.InvariantCulture) : "n/a";
}
