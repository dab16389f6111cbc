using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Siglip2.Fuzz;

/// <summary>What a bounded campaign did.</summary>
public sealed record CampaignReport(string Target, long Executions, long Accepted, long Refused, int Crashes, double Seconds);

/// <summary>
/// An in-process, libFuzzer-style mutation loop without coverage feedback: mutates the corpus (bit flips, interesting
/// integers, inserted/removed/duplicated chunks, splices, numbers in text) and runs the target on each mutant. It needs
/// neither afl++ nor instrumentation, so it runs wherever .NET does; scripts/fuzz.sh prefers afl++ when installed.
/// A non-<see cref="Siglip2Exception"/> exception is saved as <c>crash-SHA</c> in the findings folder; an execution
/// over the time limit is saved as <c>hang-SHA</c> and ends the process (a running thread cannot be stopped).
/// </summary>
public sealed class MutationLoop(FuzzTarget target, IReadOnlyList<byte[]> corpus, string findings, int seed, TimeSpan hangLimit)
{
    private static readonly long[] Interesting = [0, 1, -1, 2, 7, 8, 16, 64, 127, 128, 255, 256, 1023, 1024, 4096, 32767, 32768, 65535, 65536,
        int.MaxValue, int.MinValue, uint.MaxValue, long.MaxValue, long.MinValue, 100_000_000, 1L << 40];
    private static readonly string[] InterestingText = ["-1", "0", "1e308", "-1e308", "1e999", "NaN", "null", "true", "\"\"", "[]", "{}",
        "18446744073709551616", "9223372036854775807", "2147483648", "0.5", "1000000000", "\"\\ud800\""];

    private readonly Random _random = new(seed);
    private byte[]? _current;
    private long _startedAt = -1;

    public CampaignReport Run(TimeSpan duration, Action<string>? progress = null)
    {
        if (corpus.Count == 0) throw new ArgumentException($"the corpus of '{target.Name}' is empty");
        Directory.CreateDirectory(findings);
        using var watchdog = new Timer(_ => CheckHang(), null, 1000, 1000);
        var clock = Stopwatch.StartNew();
        long executions = 0, accepted = 0, refused = 0, nextReport = 10_000;
        int crashes = 0;
        foreach (var input in corpus) Execute(input); // the seeds themselves first
        while (clock.Elapsed < duration)
        {
            byte[] input = Mutate(corpus[_random.Next(corpus.Count)]);
            switch (Execute(input))
            {
                case FuzzOutcome.Accepted: accepted++; break;
                case FuzzOutcome.Refused: refused++; break;
                default: crashes++; break;
            }
            executions++;
            if (clock.ElapsedMilliseconds >= nextReport)
            {
                progress?.Invoke($"{target.Name}: {executions:N0} executions in {clock.Elapsed.TotalSeconds:F0} s ({executions / clock.Elapsed.TotalSeconds:N0}/s), {accepted:N0} accepted, {refused:N0} refused, {crashes} crashes");
                nextReport += 10_000;
            }
        }
        return new CampaignReport(target.Name, executions, accepted, refused, crashes, clock.Elapsed.TotalSeconds);
    }

    private FuzzOutcome? Execute(byte[] input)
    {
        Volatile.Write(ref _current, input);
        Volatile.Write(ref _startedAt, Stopwatch.GetTimestamp());
        try
        {
            return FuzzTargets.Run(target, input);
        }
        catch (Exception e)
        {
            string path = Save("crash", input);
            Console.Error.WriteLine($"{target.Name}: CRASH {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")} → {path}");
            return null;
        }
        finally
        {
            Volatile.Write(ref _startedAt, -1);
        }
    }

    private void CheckHang()
    {
        long started = Volatile.Read(ref _startedAt);
        if (started < 0 || Stopwatch.GetElapsedTime(started) < hangLimit) return;
        string path = Save("hang", Volatile.Read(ref _current)!);
        Console.Error.WriteLine($"{target.Name}: HANG over {hangLimit.TotalSeconds} s → {path}");
        Environment.Exit(3);
    }

    private string Save(string kind, byte[] input)
    {
        string path = Path.Combine(findings, $"{kind}-{Convert.ToHexString(SHA256.HashData(input))[..16].ToLowerInvariant()}");
        File.WriteAllBytes(path, input);
        return path;
    }

    private byte[] Mutate(byte[] seed)
    {
        var data = new List<byte>(seed);
        int count = 1 + _random.Next(_random.Next(2) == 0 ? 2 : 8);
        for (int i = 0; i < count; i++) MutateOnce(data);
        return [.. data];
    }

    private void MutateOnce(List<byte> d)
    {
        int n = d.Count;
        switch (_random.Next(n == 0 ? 1 : 9))
        {
            case 0: // insert random bytes
                d.InsertRange(n == 0 ? 0 : _random.Next(n + 1), RandomBytes(1 + _random.Next(8)));
                break;
            case 1: // flip a bit
                d[_random.Next(n)] ^= (byte)(1 << _random.Next(8));
                break;
            case 2: // set a byte
                d[_random.Next(n)] = (byte)_random.Next(256);
                break;
            case 3: // an interesting integer, little-endian, 1/2/4/8 bytes
            {
                int width = 1 << _random.Next(4), at = _random.Next(n);
                long v = Interesting[_random.Next(Interesting.Length)];
                for (int k = 0; k < width && at + k < n; k++) d[at + k] = (byte)(v >> (8 * k));
                break;
            }
            case 4: // remove a chunk
            {
                int at = _random.Next(n);
                d.RemoveRange(at, Math.Min(n - at, 1 + _random.Next(Math.Max(1, n / 8))));
                break;
            }
            case 5: // duplicate a chunk
            {
                int at = _random.Next(n), len = Math.Min(n - at, 1 + _random.Next(64));
                d.InsertRange(_random.Next(n + 1), d.GetRange(at, len));
                break;
            }
            case 6: // truncate
            {
                int keep = _random.Next(n);
                d.RemoveRange(keep, n - keep);
                break;
            }
            case 7: // splice with another corpus entry
            {
                var other = corpus[_random.Next(corpus.Count)];
                if (other.Length == 0) break;
                int from = _random.Next(other.Length), len = Math.Min(other.Length - from, 1 + _random.Next(256));
                int at = _random.Next(n + 1);
                d.InsertRange(at, other.AsSpan(from, len).ToArray());
                break;
            }
            default: // replace a number (or a word) in text with an interesting one
                ReplaceToken(d);
                break;
        }
    }

    private void ReplaceToken(List<byte> d)
    {
        int start = _random.Next(d.Count);
        while (start < d.Count && !IsTokenByte(d[start])) start++;
        if (start == d.Count) return;
        while (start > 0 && IsTokenByte(d[start - 1])) start--;
        int end = start;
        while (end < d.Count && IsTokenByte(d[end])) end++;
        d.RemoveRange(start, end - start);
        d.InsertRange(start, Encoding.UTF8.GetBytes(InterestingText[_random.Next(InterestingText.Length)]));
    }

    private static bool IsTokenByte(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+';

    private byte[] RandomBytes(int n)
    {
        var b = new byte[n];
        _random.NextBytes(b);
        return b;
    }
}
