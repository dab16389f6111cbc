using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Siglip2.Search;
using Siglip2.Tasks.Benchmarking;
using static TorchSharp.torch;

namespace Siglip2.Cli.Commands;

/// <summary>
/// `siglip2 bench --ann`: the USearch HNSW index of <see cref="AnnIndex"/> (its parameters exactly) over a million random
/// unit vectors of 768 dimensions — build rate, per-query latency (p50/p99) and recall@10 against exact search, with the
/// exact scan's own latency in the same run. The built graph is cached in the temp folder (keyed by size, dimensions,
/// seed and parameters), so a rerun on an idle machine measures the queries without rebuilding; the cached build's
/// time and load average are reported as they were measured.
/// </summary>
public static class AnnBenchmark
{
    public sealed record Result(
        int Vectors, int Dimensions, int Queries, double BuildSeconds, double BuildLoadAverage, bool BuildCached,
        long IndexBytes, double ExactScanP50Milliseconds, double ExactBatchedMillisecondsPerQuery, double? LoadAverageStart,
        double? LoadAverageEnd, string Cpu, string Date, int LoadedExpansionSearch, IReadOnlyList<ExpansionRow> Sweep)
    {
        /// <summary>The sweep's row at the index's own expansion: what `siglip2 search` and `serve` see.</summary>
        private ExpansionRow Own => Sweep.Single(r => r.Expansion == AnnIndex.ExpansionSearch);
        public double AnnP50Milliseconds => Own.P50Milliseconds;
        public double AnnP99Milliseconds => Own.P99Milliseconds;
        public double RecallAt10 => Own.RecallAt10;
    }

    /// <summary>The same 1,000 queries on the same graph with <paramref name="Expansion"/> candidates kept while searching.</summary>
    public sealed record ExpansionRow(int Expansion, double P50Milliseconds, double P99Milliseconds, double RecallAt10);

    /// <summary>Search expansions measured on the one graph: the index's own (<see cref="AnnIndex.ExpansionSearch"/>) and larger ones.</summary>
    private static readonly int[] Expansions = [AnnIndex.ExpansionSearch, 128, 256, 512, 1024];

    private sealed record BuildRecord(double Seconds, double LoadAverage, string Date);

    public static Result Run(string tempRoot, Action<string> say, int vectors = 1_000_000, int dimensions = 768, int queries = 1000, int seed = 1)
    {
        double? loadStart = MachineInfo.LoadAverage();
        say($"ann bench: {vectors:N0} random unit vectors of {dimensions} dimensions (seed {seed})");
        var data = RandomUnitRows(vectors, dimensions, seed);
        string cache = Path.Combine(tempRoot, $"siglip2-ann-{vectors}x{dimensions}-s{seed}-M{AnnIndex.Connectivity}-ef{AnnIndex.ExpansionAdd}.usearch");
        string record = cache + ".json";
        bool cached = File.Exists(cache) && File.Exists(record);
        BuildRecord build;
        if (!cached)
        {
            say($"ann bench: building the HNSW graph on {Environment.ProcessorCount} threads, as `siglip2 index` does");
            var sw = Stopwatch.StartNew();
            using (var index = AnnIndex.CreateEmpty(dimensions))
            {
                long added = 0;
                AnnIndex.AddAll(index, vectors, i =>
                {
                    long n = Interlocked.Increment(ref added);
                    if (n % 50_000 == 0) say($"ann bench: {n:N0} added, {n / sw.Elapsed.TotalSeconds:F0}/s");
                    return data.AsSpan((int)((long)i * dimensions), dimensions).ToArray();
                });
                build = new BuildRecord(sw.Elapsed.TotalSeconds, MachineInfo.LoadAverage() ?? double.NaN, DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
                string temporary = cache + $".{Environment.ProcessId}.tmp";
                index.Save(temporary);
                File.Move(temporary, cache, overwrite: true);
            }
            Siglip2.Configuration.AtomicFile.WriteAllText(record, JsonSerializer.Serialize(build));
        }
        else
        {
            build = JsonSerializer.Deserialize<BuildRecord>(File.ReadAllText(record))!;
            say($"ann bench: reusing the graph built {build.Date} ({cache})");
        }

        var queryRows = RandomUnitRows(queries, dimensions, seed + 1);
        var query = new float[dimensions];
        say("ann bench: exact top-10 of every query (batched matrix product, the ground truth)");
        var (truth, batchedMs) = ExactTop10(data, queryRows, vectors, dimensions, queries);

        say($"ann bench: {queries} ANN queries at each search expansion of {string.Join(", ", Expansions)}");
        var sweep = new List<ExpansionRow>();
        int loadedExpansion;
        using (var index = new Cloud.Unum.USearch.USearchIndex(cache))
        {
            if ((int)index.Size() != vectors) throw new Siglip2Exception($"the cached graph {cache} holds {index.Size()} vectors, not {vectors}; delete it");
            loadedExpansion = USearchExpansion.Get(index);
            foreach (int expansion in Expansions)
            {
                USearchExpansion.Set(index, expansion);
                for (int q = 0; q < Math.Min(20, queries); q++) { Array.Copy(queryRows, (long)q * dimensions, query, 0, dimensions); index.Search(query, 10, out _, out _); } // warm-up
                var latencies = new List<double>(queries);
                int hits = 0;
                for (int q = 0; q < queries; q++)
                {
                    Array.Copy(queryRows, (long)q * dimensions, query, 0, dimensions);
                    long t0 = Stopwatch.GetTimestamp();
                    int found = index.Search(query, 10, out ulong[] keys, out _);
                    latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    for (int i = 0; i < found; i++) if (truth[q].Contains((int)keys[i])) hits++;
                }
                var row = new ExpansionRow(expansion, Quantile(latencies, 0.5), Quantile(latencies, 0.99), hits / (10.0 * queries));
                say($"ann bench: expansion {expansion}: p50 {row.P50Milliseconds:F2} ms, p99 {row.P99Milliseconds:F2} ms, recall@10 {row.RecallAt10:F3}");
                sweep.Add(row);
            }
        }

        say("ann bench: the exact scan of `siglip2 search --exact`, one query at a time");
        var rows = new List<IndexedImage>(vectors);
        for (int i = 0; i < vectors; i++)
        {
            var e = new float[dimensions];
            Array.Copy(data, (long)i * dimensions, e, 0, dimensions);
            rows.Add(new IndexedImage(i.ToString("D7", CultureInfo.InvariantCulture), 0, 0, null, 0, 0, e, null));
        }
        data = [];
        var exact = new ExactSearch(rows, dimensions);
        var scan = new List<double>();
        for (int q = 0; q < Math.Min(30, queries); q++)
        {
            Array.Copy(queryRows, (long)q * dimensions, query, 0, dimensions);
            long t0 = Stopwatch.GetTimestamp();
            var top = exact.Search(query, 10);
            scan.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            if (!top.Select(t => t.Row).ToHashSet().SetEquals(truth[q]))
                throw new Siglip2Exception($"ann bench: the exact scan and the matrix product disagree on query {q}: a bug");
        }
        return new Result(vectors, dimensions, queries, build.Seconds, build.LoadAverage, cached, new FileInfo(cache).Length,
            Quantile(scan, 0.5), batchedMs, loadStart, MachineInfo.LoadAverage(),
            MachineInfo.Current().CpuModel, DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), loadedExpansion, sweep);
    }

    /// <summary>Rows of independent uniform(−1, 1) entries scaled to unit length, deterministic for the seed.</summary>
    private static float[] RandomUnitRows(int rows, int dimensions, int seed)
    {
        var data = new float[(long)rows * dimensions];
        var random = new Random(seed);
        for (int i = 0; i < rows; i++)
        {
            var row = data.AsSpan((int)((long)i * dimensions), dimensions);
            for (int j = 0; j < dimensions; j++) row[j] = random.NextSingle() * 2 - 1;
            float norm = System.Numerics.Tensors.TensorPrimitives.Norm(row);
            System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
        }
        return data;
    }

    /// <summary>The exact top-10 rows of each query by a batched matrix product over row chunks (double-checked by the scan).</summary>
    private static (HashSet<int>[] Truth, double MillisecondsPerQuery) ExactTop10(float[] data, float[] queries, int vectors, int dimensions, int count)
    {
        using var _ = no_grad();
        var sw = Stopwatch.StartNew();
        using var q = tensor(queries, [count, dimensions], dtype: ScalarType.Float32);
        Tensor? bestScores = null, bestRows = null;
        const int Chunk = 100_000;
        for (int start = 0; start < vectors; start += Chunk)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(Chunk, vectors - start);
            var block = tensor(data.AsSpan((int)((long)start * dimensions), n * dimensions).ToArray(), [n, dimensions], dtype: ScalarType.Float32);
            var scores = matmul(q, block.t());
            var (s, i) = scores.topk(10, dim: 1);
            i = i + start;
            if (bestScores is not null) { s = cat([bestScores, s], 1); i = cat([bestRows!, i], 1); }
            var (keep, at) = s.topk(10, dim: 1);
            var rows = i.gather(1, at);
            bestScores?.Dispose(); bestRows?.Dispose();
            bestScores = keep.MoveToOuterDisposeScope();
            bestRows = rows.MoveToOuterDisposeScope();
        }
        double ms = sw.Elapsed.TotalMilliseconds / count;
        var ids = bestRows!.data<long>().ToArray();
        bestScores!.Dispose(); bestRows.Dispose();
        var truth = new HashSet<int>[count];
        for (int r = 0; r < count; r++) truth[r] = ids.Skip(r * 10).Take(10).Select(x => (int)x).ToHashSet();
        return (truth, ms);
    }

    public static string Markdown(Result r) =>
        $"""
        ## Approximate search (`siglip2 bench --ann`)

        {r.Cpu}, {r.Date}: USearch HNSW as `siglip2 index` builds it (cosine, float32, connectivity {AnnIndex.Connectivity}, expansion {AnnIndex.ExpansionAdd} on insert and {AnnIndex.ExpansionSearch} on search) over {r.Vectors:N0} random unit vectors of {r.Dimensions} dimensions; {r.Queries:N0} fresh random queries, top 10. Ground truth: an exact batched matrix product in the same run (the one-at-a-time scan of `search --exact` agrees with it on every checked query). Load average {F(r.LoadAverageStart)} at the start, {F(r.LoadAverageEnd)} at the end.

        | measure | value |
        |---|---:|
        | build, all cores | {r.BuildSeconds:F0} s ({r.Vectors / r.BuildSeconds:F0} vectors/s; load {F(r.BuildLoadAverage)}{(r.BuildCached ? "; built in an earlier run, cached" : "")}) |
        | index file | {r.IndexBytes / 1e9:F2} GB |
        | ANN query latency p50 / p99 | {r.AnnP50Milliseconds:F2} / {r.AnnP99Milliseconds:F2} ms |
        | recall@10 against exact | {r.RecallAt10:F3} |
        | exact scan (`search --exact`), one query, p50 | {r.ExactScanP50Milliseconds:F0} ms |
        | exact, batched matrix product of all queries, per query | {r.ExactBatchedMillisecondsPerQuery:F1} ms |

        The same queries on the same graph with more candidates kept while searching (USearch's `expansion_search`; a loaded file starts at {r.LoadedExpansionSearch}, and `siglip2 search`/`serve` set {AnnIndex.ExpansionSearch}):

        | expansion on search | p50 | p99 | recall@10 |
        |---:|---:|---:|---:|
        {string.Join("\n", r.Sweep.Select(x => $"| {x.Expansion} | {x.P50Milliseconds:F2} ms | {x.P99Milliseconds:F2} ms | {x.RecallAt10:F3} |"))}

        Random vectors are the hard case for a graph index: in 768 dimensions their neighbours are barely closer than any other row (no clusters), so recall@10 here is a lower bound for real embeddings, which cluster by content.

        """;

    private static double Quantile(List<double> values, double q) => TimingStatistics.Quantile(values.OrderBy(x => x).ToList(), q);

    private static string F(double? v) => v is { } x && !double.IsNaN(x) ? x.ToString("F1", CultureInfo.InvariantCulture) : "n/a";
}
