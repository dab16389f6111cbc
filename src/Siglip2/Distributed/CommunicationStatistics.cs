using System.Diagnostics;

namespace Siglip2.Distributed;

/// <summary>
/// Counters of one rank's communication, for the benchmark's bytes per step and time share of communication:
/// <see cref="PayloadBytes"/> is the size of the buffers handed to collectives and sends (an allreduce of b bytes counts b;
/// a ring allreduce puts about 2·(N−1)/N·b on the wire per rank), <see cref="Elapsed"/> the wall time spent inside them
/// (waiting for slower ranks included). Thread-safe.
/// </summary>
public sealed class CommunicationStatistics
{
    private long _payloadBytes, _calls, _ticks;

    public long PayloadBytes => Interlocked.Read(ref _payloadBytes);
    public long Calls => Interlocked.Read(ref _calls);
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks));

    /// <summary>Records one call of <paramref name="bytes"/> payload that started at <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public void Record(long bytes, long startTimestamp)
    {
        Interlocked.Add(ref _payloadBytes, bytes);
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - startTimestamp);
    }
}
