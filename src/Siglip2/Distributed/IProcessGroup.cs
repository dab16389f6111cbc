using System.Diagnostics.CodeAnalysis;

namespace Siglip2.Distributed;

/// <summary>
/// The processes of one data-parallel job (MPI's <c>MPI_COMM_WORLD</c>): <see cref="Rank"/> of <see cref="Size"/>, and the
/// collectives training needs. Buffers are spans of <c>float</c>, <c>double</c>, <c>int</c> or <c>long</c>; every rank must
/// make the same calls in the same order with the same lengths (as with MPI itself). <see cref="ProcessGroup.Create"/>
/// picks the implementation: <see cref="SingleProcessGroup"/> (rank 0 of 1, every collective the identity) or
/// <see cref="MpiProcessGroup"/> when the process was started by <c>mpirun</c>/<c>srun</c>.
/// </summary>
public interface IProcessGroup : IDisposable
{
    int Rank { get; }
    int Size { get; }

    /// <summary>What this rank handed to the transport so far (payload bytes, calls, time inside collectives).</summary>
    CommunicationStatistics Statistics { get; }

    /// <summary>Replaces <paramref name="buffer"/> on every rank by the element-wise sum over all ranks.</summary>
    void AllReduceSum<T>(Span<T> buffer) where T : unmanaged;

    /// <summary>Every rank's <paramref name="value"/>, indexed by rank.</summary>
    T[] AllGather<T>(T value) where T : unmanaged;

    /// <summary>Sends <paramref name="send"/> to rank <paramref name="destination"/> while receiving <paramref name="receive"/>
    /// (its exact length) from rank <paramref name="source"/> (MPI_Sendrecv: no deadlock on a ring).</summary>
    void SendReceive<T>(ReadOnlySpan<T> send, int destination, Span<T> receive, int source) where T : unmanaged;

    /// <summary>
    /// The bidirectional neighbour exchange on the ring of ranks (left = rank − 1, right = rank + 1, mod Size), both
    /// directions at once: sends <paramref name="toLeft"/> to the left and <paramref name="toRight"/> to the right neighbour,
    /// receives into <paramref name="fromRight"/> what the right neighbour sent to its left and into
    /// <paramref name="fromLeft"/> what the left neighbour sent to its right.
    /// </summary>
    void ExchangeWithNeighbours<T>(ReadOnlySpan<T> toLeft, Span<T> fromRight, ReadOnlySpan<T> toRight, Span<T> fromLeft) where T : unmanaged;

    void Barrier();

    /// <summary>Ends the whole job: prints <paramref name="message"/> (one line, with the rank) on stderr and makes the
    /// launcher stop every rank with exit code <paramref name="errorCode"/> (MPI_Abort), so no peer waits forever.</summary>
    [DoesNotReturn]
    void Abort(int errorCode, string message);
}
