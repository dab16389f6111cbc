using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Siglip2.Server;

/// <summary>Counters and histograms in the Prometheus text format: requests, latency, batch sizes, queue depth, errors.</summary>
public sealed class ServerMetrics
{
    private static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128];
    private readonly ConcurrentDictionary<(string Route, int Status), long> _requests = new();
    private readonly Histogram _latency = new(LatencyBuckets);
    private readonly ConcurrentDictionary<string, Histogram> _batches = new();

    public void RecordRequest(string route, int status, double seconds)
    {
        _requests.AddOrUpdate((route, status), 1, (_, n) => n + 1);
        _latency.Observe(seconds);
    }

    public void RecordBatch(string kind, int size) => _batches.GetOrAdd(kind, _ => new Histogram(BatchBuckets)).Observe(size);

    public string Render(int queueDepth)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# TYPE siglip2_requests_total counter");
        foreach (var ((route, status), n) in _requests.OrderBy(k => k.Key.Route).ThenBy(k => k.Key.Status))
            sb.AppendLine(CultureInfo.InvariantCulture, $"siglip2_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
        sb.AppendLine("# TYPE siglip2_errors_total counter");
        sb.AppendLine(CultureInfo.InvariantCulture, $"siglip2_errors_total {_requests.Where(k => k.Key.Status >= 400).Sum(k => k.Value)}");
        _latency.Render(sb, "siglip2_request_duration_seconds", "");
        foreach (var (kind, h) in _batches.OrderBy(k => k.Key)) h.Render(sb, "siglip2_batch_size", $"kind=\"{kind}\"");
        sb.AppendLine("# TYPE siglip2_queue_depth gauge");
        sb.AppendLine(CultureInfo.InvariantCulture, $"siglip2_queue_depth {queueDepth}");
        return sb.ToString();
    }

    private sealed class Histogram(double[] bounds)
    {
        private readonly long[] _counts = new long[bounds.Length + 1];
        private double _sum;
        private long _count;
        private readonly object _gate = new();

        public void Observe(double v)
        {
            lock (_gate)
            {
                int i = Array.FindIndex(bounds, b => v <= b);
                _counts[i < 0 ? bounds.Length : i]++;
                _sum += v;
                _count++;
            }
        }

        public void Render(StringBuilder sb, string name, string labels)
        {
            lock (_gate)
            {
                string sep = labels.Length > 0 ? "," : "";
                if (!sb.ToString().Contains($"# TYPE {name} ")) sb.AppendLine($"# TYPE {name} histogram");
                long cumulative = 0;
                for (int i = 0; i < bounds.Length; i++)
                {
                    cumulative += _counts[i];
                    sb.AppendLine(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels}{sep}le=\"{bounds[i]}\"}} {cumulative}");
                }
                sb.AppendLine(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {_count}");
                sb.AppendLine(CultureInfo.InvariantCulture, $"{name}_sum{(labels.Length > 0 ? "{" + labels + "}" : "")} {_sum}");
                sb.AppendLine(CultureInfo.InvariantCulture, $"{name}_count{(labels.Length > 0 ? "{" + labels + "}" : "")} {_count}");
            }
        }
    }
}
