using System.Diagnostics;

namespace Siglip2.Cli.Infrastructure;

/// <summary>
/// A one-line progress bar on stderr (count, rate, ETA), redrawn at most a few times per second; silent when stderr
/// is not a terminal, so that piped and --json output stay clean.
/// </summary>
public sealed class ProgressReporter : IProgress<int>, IDisposable
{
    private readonly string _label;
    private readonly int _total;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _enabled;
    private long _lastDrawMs = -1000;
    private int _last;

    public ProgressReporter(string label, int total, string unit = "items", bool? enabled = null)
    {
        _label = label;
        _total = total;
        _unit = unit;
        _enabled = enabled ?? !Console.IsErrorRedirected;
    }

    public void Report(int done) => Report(done, null);

    public void Report(int done, string? extra)
    {
        _last = done;
        if (!_enabled) return;
        long now = _clock.ElapsedMilliseconds;
        if (now - _lastDrawMs < 200 && done < _total) return;
        _lastDrawMs = now;
        double seconds = Math.Max(1e-3, _clock.Elapsed.TotalSeconds);
        double rate = done / seconds;
        double fraction = _total > 0 ? Math.Min(1, (double)done / _total) : 0;
        int width = 28;
        int filled = (int)Math.Round(fraction * width);
        string bar = new string('█', filled) + new string('░', width - filled);
        string eta = rate > 0 && done < _total ? TimeSpan.FromSeconds((_total - done) / rate).ToString(@"mm\:ss") : "00:00";
        Console.Error.Write($"\r{_label} {bar} {done}/{_total} {_unit} {rate:0.0}/s ETA {eta}{(extra is null ? "" : "  " + extra)}   ");
    }

    public void Dispose()
    {
        if (_enabled && _lastDrawMs >= 0) Console.Error.WriteLine();
    }
}
