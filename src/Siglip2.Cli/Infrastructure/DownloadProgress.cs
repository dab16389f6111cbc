using System.Diagnostics;
using Siglip2.Hub;

namespace Siglip2.Cli.Infrastructure;

/// <summary>
/// Progress of Hub downloads on stderr: on a terminal one redrawn bar per file (bytes, rate, ETA); otherwise plain
/// lines (at the start, every 10 % and at the end of each file), so logs of batch jobs show it too.
/// </summary>
public sealed class DownloadProgress(bool? terminal = null) : IProgress<HubDownloadProgress>
{
    private readonly bool _terminal = terminal ?? !Console.IsErrorRedirected;
    private readonly Stopwatch _clock = new();
    private string? _file;
    private long _start, _lastDraw = -1000;
    private int _lastDecile = -1;

    public void Report(HubDownloadProgress p)
    {
        if (p.File != _file)
        {
            _file = p.File;
            _start = p.Done;
            _clock.Restart();
            _lastDecile = -1;
        }
        double seconds = Math.Max(1e-3, _clock.Elapsed.TotalSeconds);
        double rate = (p.Done - _start) / seconds;
        string eta = rate > 0 && p.Done < p.Total ? TimeSpan.FromSeconds((p.Total - p.Done) / rate).ToString(@"hh\:mm\:ss") : "00:00:00";
        string line = $"{p.Repo}/{p.File} {Bytes(p.Done)}/{Bytes(p.Total)} {Bytes((long)rate)}/s ETA {eta}";
        bool done = p.Done >= p.Total;
        if (_terminal)
        {
            if (_clock.ElapsedMilliseconds - _lastDraw < 200 && !done) return;
            _lastDraw = _clock.ElapsedMilliseconds;
            double fraction = p.Total > 0 ? Math.Min(1, (double)p.Done / p.Total) : 1;
            int filled = (int)Math.Round(fraction * 24);
            Console.Error.Write($"\rdownloading {new string('█', filled)}{new string('░', 24 - filled)} {line}   ");
            if (done) Console.Error.WriteLine();
        }
        else
        {
            int decile = p.Total > 0 ? (int)(10 * p.Done / p.Total) : 10;
            if (decile == _lastDecile) return;
            _lastDecile = decile;
            Console.Error.WriteLine($"siglip2: downloading {line} ({decile * 10}%)");
        }
    }

    private static string Bytes(long n) => n switch
    {
        >= 1L << 30 => $"{n / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{n / (double)(1L << 20):F1} MiB",
        >= 1L << 10 => $"{n / 1024.0:F0} KiB",
        _ => $"{n} B",
    };
}
