using System.Diagnostics.CodeAnalysis;

namespace Siglip2.Distributed;

/// <summary>
/// The job of one process (started without <c>mpirun</c>): rank 0 of 1. A sum over one rank is the buffer itself, a
/// gather is the value alone, and a ring of one rank is that rank's own neighbour on both sides, so sends arrive back
/// at the sender — the exact behaviour MPI has for a world of size 1, without loading libmpi.
/// </summary>
public sealed class SingleProcessGroup : IProcessGroup
{
    public int Rank => 0;
    public int Size => 1;
    public CommunicationStatistics Statistics { get; } = new();

    public void AllReduceSum<T>(Span<T> buffer) where T : unmanaged { }

    public T[] AllGather<T>(T value) where T : unmanaged => [value];

    public void SendReceive<T>(ReadOnlySpan<T> send, int destination, Span<T> receive, int source) where T : unmanaged
    {
        if (destination != 0 || source != 0)
            throw new ArgumentOutOfRangeException(nameof(destination), $"a single process has only rank 0; got destination {destination}, source {source}");
        CopyExact(send, receive);
    }

    public void ExchangeWithNeighbours<T>(ReadOnlySpan<T> toLeft, Span<T> fromRight, ReadOnlySpan<T> toRight, Span<T> fromLeft) where T : unmanaged
    {
        // the left neighbour's rightward message is this rank's own toRight, and vice versa
        CopyExact(toLeft, fromRight);
        CopyExact(toRight, fromLeft);
    }

    public void Barrier() { }

    [DoesNotReturn]
    public void Abort(int errorCode, string message)
    {
        Console.Error.WriteLine($"siglip2: {message}");
        Console.Error.Flush();
        Environment.Exit(errorCode);
        throw new InvalidOperationException("unreachable");
    }

    public void Dispose() { }

    private static void CopyExact<T>(ReadOnlySpan<T> send, Span<T> receive) where T : unmanaged
    {
        if (send.Length != receive.Length)
            throw new ArgumentException($"a message of {send.Length} elements cannot fill a receive buffer of {receive.Length}");
        send.CopyTo(receive);
    }
}
