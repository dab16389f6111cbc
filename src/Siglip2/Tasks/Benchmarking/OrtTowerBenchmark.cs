using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Siglip2.Modeling;
using Siglip2.Onnx;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Benchmarking;

/// <summary>
/// The ONNX Runtime part of `siglip2 bench`, on the same weights as the TorchSharp cases of the run: a tower exported
/// to fp32 and int8 graphs (fixed-resolution layouts), each run by its own session (<see cref="OnnxSessionFactory"/>,
/// the backend's settings) on inputs of the same shapes, timed like the torch cases; int8's gate cosine to the fp32
/// graph; and, where an <see cref="OnnxEmbedder"/> is given, our pipeline around the session against the bare session.
/// </summary>
internal static class OrtTowerBenchmark
{
    public static readonly string[] DTypes = ["ort fp32", "ort int8"];

    /// <param name="graphPath">where the graph of a precision goes (for B/16: the embedder's cache file, so the pipeline opens the same graph).</param>
    /// <param name="embedder">our pipeline over the same graphs (B/16), or null: no overhead measurement.</param>
    public static void Run(string tower, BenchmarkLayout layout, SiglipVisionTransformer? vision, SiglipTextTransformer? text, int[] batches,
        Func<OnnxPrecision, string> graphPath, Func<OnnxPrecision, OnnxEmbedder>? embedder, InferenceBenchmarkOptions options,
        List<BenchmarkCaseResult> results, List<GateResult> gates, List<OrtOverheadResult> overheads, Action<string> say)
    {
        bool image = tower == "image";
        int length = BenchmarkLayout.TextLength;
        double flop = image ? FlopCounter.ImageTower(vision!.Config, (long)layout.ImageTokens) : FlopCounter.TextTower(text!.Config, length);
        int gateBatch = batches.Max();
        var pooled = new Dictionary<OnnxPrecision, float[][]>();
        foreach (var precision in new[] { OnnxPrecision.Float32, OnnxPrecision.Int8 })
        {
            string dt = DTypes[precision == OnnxPrecision.Int8 ? 1 : 0];
            string path = graphPath(precision);
            if (!File.Exists(path))
            {
                say($"{layout.Name} {tower}: exporting the {dt} graph");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var export = new OnnxExportOptions { Precision = precision };
                if (image) OnnxTowerExport.WriteVision(vision!, path, export); else OnnxTowerExport.WriteText(text!, path, export);
            }
            // with an embedder, its own session: a second session's thread pool would spin beside it and slow both
            var pipeline = embedder?.Invoke(precision);
            using var owned = pipeline is null ? OnnxSessionFactory.Open(path) : null;
            var session = owned ?? pipeline!.TowerSession(image);
            foreach (int batch in batches)
            {
                say($"{layout.Name} {tower} {dt} batch {batch}");
                var (data, ids, shape) = Inputs(image, vision, text, batch);
                using var input = image ? OrtValue.CreateTensorValueFromMemory(data!, shape) : OrtValue.CreateTensorValueFromMemory(ids!, shape);
                var feeds = new Dictionary<string, OrtValue> { [image ? "pixel_values" : "input_ids"] = input };
                string output = image ? "image_embeds" : "text_embeds";
                double Bare()
                {
                    var sw = Stopwatch.StartNew();
                    using var runOptions = new RunOptions();
                    using var r = session.Run(runOptions, feeds, [output]);
                    return sw.Elapsed.TotalMilliseconds;
                }
                if (batch == gateBatch)
                {
                    using var runOptions = new RunOptions();
                    using var r = session.Run(runOptions, feeds, [output]);
                    var flat = r[0].GetTensorDataAsSpan<float>().ToArray();
                    int d = flat.Length / batch;
                    pooled[precision] = Enumerable.Range(0, batch).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
                }
                var stats = Time(Bare, options);
                double itemsPerSecond = batch / (stats.MedianMs / 1000);
                results.Add(new BenchmarkCaseResult(tower, layout.Name, dt, batch, "ort", image ? layout.ImageTokens : length, stats,
                    itemsPerSecond, stats.MedianMs, flop / 1e9, flop * itemsPerSecond / 1e9, double.NaN, double.NaN, null, MachineInfo.PeakResidentBytes()));
                say($"  {itemsPerSecond:0.00} {tower}s/s, {stats.MedianMs:0} ms (n={stats.Count})");

                if (pipeline is not null)
                {
                    say($"{layout.Name} {tower} {dt} batch {batch}: our pipeline vs the bare session");
                    var imageBatch = image ? new ImageBatch(data!, shape) : null;
                    var textBatch = image ? null : new TokenizedTextBatch(Enumerable.Range(0, batch)
                        .Select(b => new TokenizedText($"row {b}", ids!.AsSpan(b * length, length).ToArray(), [], length, length)).ToList(), length);
                    double Pipeline()
                    {
                        using var scope = NewDisposeScope();
                        var sw = Stopwatch.StartNew();
                        if (image) pipeline.EmbedImages(imageBatch!); else pipeline.EmbedTexts(textBatch!, batch);
                        return sw.Elapsed.TotalMilliseconds;
                    }
                    Pipeline();
                    int reps = Math.Clamp((int)Math.Ceiling(options.SecondsPerCase * 1000 / stats.MedianMs), 3, options.MaxRepetitions);
                    var bare = new List<double>();
                    var ours = new List<double>();
                    for (int i = 0; i < reps; i++)
                    {
                        // interleaved, so a change of the machine's load hits both alike
                        bare.Add(Bare());
                        ours.Add(Pipeline());
                    }
                    overheads.Add(new OrtOverheadResult(tower, layout.Name, dt, batch, TimingStatistics.From(bare).MedianMs, TimingStatistics.From(ours).MedianMs));
                    say($"  pipeline {overheads[^1].PipelineMs:0} ms vs bare {overheads[^1].BareMs:0} ms ({overheads[^1].Overhead * 100:+0.0;-0.0}%)");
                }
            }
        }
        if (pooled.Count == 2)
            gates.Add(new GateResult(tower, layout.Name, DTypes[1], AutoPathCalibration.MinCosine(pooled[OnnxPrecision.Int8], pooled[OnnxPrecision.Float32])));
    }

    private static (float[]? Pixels, long[]? Ids, long[] Shape) Inputs(bool image, SiglipVisionTransformer? vision, SiglipTextTransformer? text, int batch)
    {
        var random = new Random(1234 + batch);
        if (image)
        {
            var c = vision!.Config;
            var pixels = new float[batch * c.NumChannels * c.ImageSize * c.ImageSize];
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 2 - 1); // normalised pixels lie in [−1, 1]
            return (pixels, null, [batch, c.NumChannels, c.ImageSize, c.ImageSize]);
        }
        int length = BenchmarkLayout.TextLength;
        var ids = new long[batch * length];
        for (int i = 0; i < ids.Length; i++) ids[i] = random.NextInt64(0, text!.Config.VocabSize);
        return (null, ids, [batch, length]);
    }

    /// <summary>Warm-up, then repetitions for about <see cref="InferenceBenchmarkOptions.SecondsPerCase"/> (as the torch cases).</summary>
    private static TimingStatistics Time(Func<double> call, InferenceBenchmarkOptions options)
    {
        double estimate = call();
        if (estimate < 1000 * options.SecondsPerCase / options.MaxRepetitions) estimate = call();
        int min = estimate > options.SlowCallSeconds * 1000 ? options.MinRepetitionsForSlowCases : options.MinRepetitions;
        int reps = Math.Clamp((int)Math.Ceiling(options.SecondsPerCase * 1000 / estimate), min, options.MaxRepetitions);
        var times = new List<double>(reps);
        for (int r = 0; r < reps; r++) times.Add(call());
        return TimingStatistics.From(times);
    }
}
