using System.Diagnostics;

namespace Siglip2.Training;

/// <summary>
/// Prepares the item of step s+1 on a background thread while step s runs. <see cref="Get"/> returns the prefetched
/// item when the caller asks for the step that was prefetched (the normal sequential case), else prepares it now;
/// <see cref="WaitSeconds"/> is the time callers spent waiting.
/// </summary>
public sealed class StepPrefetcher<T> : IDisposable
{
    private readonly Func<long, T> _prepare;
    private Task<T>? _next;
    private long _nextStep = -1;

    public StepPrefetcher(Func<long, T> prepare) => _prepare = prepare;

    public double WaitSeconds { get; private set; }

    public T Get(long step)
    {
        var clock = Stopwatch.StartNew();
        T item = _next != null && _nextStep == step ? _next.GetAwaiter().GetResult() : _prepare(step);
        WaitSeconds += clock.Elapsed.TotalSeconds;
        long following = step + 1;
        _nextStep = following;
        _next = Task.Run(() => _prepare(following));
        return item;
    }

    public void Dispose()
    {
        try { _next?.Wait(); } catch (AggregateException) { }
    }
}
