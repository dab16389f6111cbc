using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Siglip2.Server;
using Siglip2.Tasks;

namespace Siglip2.Cli.Commands;

/// <summary>
/// `siglip2 bench --serve`: the server against the same process offline, with the B/16@224 real-size layout (random
/// weights) — throughput of 32 concurrent single-image clients vs offline batch-8 throughput, and one client's latency
/// vs offline batch-1 latency, all measured in one run. Writes a section of docs/performance.md.
/// </summary>
public static class ServeBenchmark
{
    public sealed record Result(double OfflineBatch8ImagesPerSecond, double ServedImagesPerSecond, double OfflineBatch1Seconds, double ServedOneClientSeconds, int Requests, double MeanBatch)
    {
        public double ThroughputRatio => ServedImagesPerSecond / OfflineBatch8ImagesPerSecond;
        public double LatencyRatio => ServedOneClientSeconds / OfflineBatch1Seconds;
    }

    public static Result Run(string tempRoot, Action<string> say, int requests = 96)
    {
        string dir = Path.Combine(tempRoot, $"siglip2-serve-bench-{Environment.ProcessId}");
        try
        {
            say("serve bench: writing a random B/16@224 checkpoint");
            RandomBase16Checkpoint.Write(dir);
            byte[] image = File.ReadAllBytes(RandomBase16Checkpoint.Photo);
            using var encoder = Siglip2Encoder.Load(dir, new Siglip2EncoderOptions { BatchSize = 8 });
            var eight = Enumerable.Repeat((ReadOnlyMemory<byte>)image, 8).ToList();
            encoder.EmbedImages(eight); // warm-up
            say("serve bench: offline batch 8 and batch 1");
            double batch8 = Mean(4, () => encoder.EmbedImages(eight)); // a mean, as the served throughput is
            double batch1 = Best(5, () => encoder.EmbedImage(image));

            var options = new ServerOptions { Port = 0, MaxBatch = 8, MaxWaitMilliseconds = 10 };
            var app = Siglip2Server.Build(options, encoder);
            app.StartAsync().GetAwaiter().GetResult();
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(10) };
                string body = "data:image/jpeg;base64," + Convert.ToBase64String(image);
                Post(http, body); // warm-up
                say($"serve bench: {requests} requests from 32 concurrent clients");
                var clock = Stopwatch.StartNew();
                int next = 0;
                // asynchronous clients: 32 blocked pool threads would starve the server's own thread pool
                Task.WaitAll(Enumerable.Range(0, 32).Select(async _ => { while (Interlocked.Increment(ref next) <= requests) await PostAsync(http, body); }).ToArray());
                double served = requests / clock.Elapsed.TotalSeconds;
                string metrics = http.GetStringAsync("/metrics").GetAwaiter().GetResult();
                // the warm-up request was one batch of 1
                double count = Metric(metrics, "siglip2_batch_size_count{kind=\"image\"}") - 1, sum = Metric(metrics, "siglip2_batch_size_sum{kind=\"image\"}") - 1;
                say("serve bench: one client");
                double one = Best(5, () => Post(http, body));
                return new Result(8 / batch8, served, batch1, one, requests, sum / count);
            }
            finally
            {
                app.StopAsync().GetAwaiter().GetResult();
            }
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task PostAsync(HttpClient http, string body)
    {
        using var r = await http.PostAsJsonAsync("/v1/embeddings", new { input = body });
        if (!r.IsSuccessStatusCode) throw new Siglip2Exception($"the server answered {(int)r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
    }

    private static void Post(HttpClient http, string body)
    {
        using var r = http.PostAsJsonAsync("/v1/embeddings", new { input = body }).GetAwaiter().GetResult();
        if (!r.IsSuccessStatusCode) throw new Siglip2Exception($"the server answered {(int)r.StatusCode}: {r.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
    }

    private static double Mean(int repetitions, Action action)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < repetitions; i++) action();
        return sw.Elapsed.TotalSeconds / repetitions;
    }

    private static double Best(int repetitions, Action action)
    {
        double best = double.MaxValue;
        for (int i = 0; i < repetitions; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static double Metric(string text, string name) =>
        double.Parse(text.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    public static string Markdown(Result r) => new StringBuilder()
        .AppendLine("## Serving (`siglip2 bench --serve`)")
        .AppendLine()
        .AppendLine($"B/16@224 with random weights, fp32, {Environment.ProcessorCount} threads, measured in one process on {DateTime.UtcNow:yyyy-MM-dd}.")
        .AppendLine("Offline means `Siglip2Encoder` called directly. Served means `POST /v1/embeddings` of one JPEG over loopback, with dynamic batching (max 8, 10 ms wait).")
        .AppendLine()
        .AppendLine("| measure | offline | served | ratio | goal |")
        .AppendLine("|---|---:|---:|---:|---|")
        .AppendLine($"| throughput, 32 concurrent single-image clients vs batch 8 (img/s) | {r.OfflineBatch8ImagesPerSecond:F2} | {r.ServedImagesPerSecond:F2} | {r.ThroughputRatio:F2} | ≥ 0.85 |")
        .AppendLine($"| latency, 1 client vs batch 1 (s) | {r.OfflineBatch1Seconds:F3} | {r.ServedOneClientSeconds:F3} | {r.LatencyRatio:F2} | ≤ 1.2 |")
        .AppendLine()
        .AppendLine($"{r.Requests} concurrent requests; mean batch formed {r.MeanBatch:F1}. The served figures include JPEG decoding and JSON; the offline batch-8 figure includes decoding too.")
        .ToString();
}
