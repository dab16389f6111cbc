using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Siglip2.Distributed;

/// <summary>
/// The ranks of an MPI job (<c>MPI_COMM_WORLD</c> of OpenMPI, through <see cref="MpiLibrary"/>). MPI is initialised once per
/// process with <c>MPI_THREAD_SERIALIZED</c> — calls may come from any thread (TorchSharp's autograd runs custom backward
/// functions on the thread that called <c>backward</c>, a thread-pool continuation may run a step), and a lock keeps
/// them one at a time. Buffers are pinned for the duration of each call and passed to MPI directly (no copy).
/// An exception nobody catches ends the whole job through MPI_Abort with its message, so the other ranks never wait in
/// a collective for a rank that is gone; <see cref="Dispose"/> calls MPI_Finalize.
/// </summary>
public sealed unsafe class MpiProcessGroup : IProcessGroup
{
    private const int TagLeftward = 17, TagRightward = 18, TagSendReceive = 19;

    private static readonly object InitGate = new();
    private static MpiProcessGroup? _current;

    private readonly MpiLibrary _mpi;
    private readonly object _gate = new();
    private bool _disposed;

    public int Rank { get; }
    public int Size { get; }
    public CommunicationStatistics Statistics { get; } = new();

    private MpiProcessGroup(MpiLibrary mpi)
    {
        _mpi = mpi;
        Rank = mpi.Rank;
        Size = mpi.Size;
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
            Abort(1, $"unhandled {(e.ExceptionObject as Exception)?.GetType().Name ?? "error"}: {(e.ExceptionObject as Exception)?.Message}");
    }

    /// <summary>Initialises MPI (or returns the group already initialised in this process). <paramref name="launcher"/> names the detected launcher for messages.</summary>
    public static MpiProcessGroup Initialize(string launcher)
    {
        lock (InitGate)
        {
            if (_current is { _disposed: false }) return _current;
            if (_current is not null)
                throw new Siglip2Exception("MPI was already finalised in this process; a process can start MPI only once (create one process group and keep it for the run)");
            var mpi = MpiLibrary.Load(launcher);
            if (mpi.IsFinalized)
                throw new Siglip2Exception("MPI was already finalised in this process; a process can start MPI only once");
            if (!mpi.IsInitialized)
            {
                int provided = mpi.InitThread(MpiLibrary.ThreadSerialized);
                if (provided < MpiLibrary.ThreadSerialized)
                    throw new Siglip2Exception($"this OpenMPI build provides thread level {provided}, below MPI_THREAD_SERIALIZED ({MpiLibrary.ThreadSerialized}); use Debian's openmpi-bin 4.1, which provides it");
            }
            return _current = new MpiProcessGroup(mpi);
        }
    }

    public void AllReduceSum<T>(Span<T> buffer) where T : unmanaged
    {
        nint type = DataType<T>();
        lock (_gate)
        {
            long start = Stopwatch.GetTimestamp();
            fixed (T* p = buffer)
            {
                // MPI counts are int: a buffer beyond 2^31 elements goes in pieces
                for (int offset = 0; offset < buffer.Length; offset += ChunkElements)
                    _mpi.AllreduceSumInPlace(p + offset, Math.Min(ChunkElements, buffer.Length - offset), type);
            }
            Statistics.Record((long)buffer.Length * sizeof(T), start);
        }
    }

    public T[] AllGather<T>(T value) where T : unmanaged
    {
        nint type = DataType<T>();
        var result = new T[Size];
        lock (_gate)
        {
            long start = Stopwatch.GetTimestamp();
            fixed (T* r = result)
                _mpi.Allgather(&value, 1, type, r);
            Statistics.Record(sizeof(T), start);
        }
        return result;
    }

    public void SendReceive<T>(ReadOnlySpan<T> send, int destination, Span<T> receive, int source) where T : unmanaged
    {
        nint type = DataType<T>();
        CheckPeer(destination, nameof(destination));
        CheckPeer(source, nameof(source));
        lock (_gate)
        {
            long start = Stopwatch.GetTimestamp();
            fixed (T* s = send)
            fixed (T* r = receive)
                _mpi.Sendrecv(s, send.Length, destination, r, receive.Length, source, type, TagSendReceive);
            Statistics.Record((long)send.Length * sizeof(T), start);
        }
    }

    public void ExchangeWithNeighbours<T>(ReadOnlySpan<T> toLeft, Span<T> fromRight, ReadOnlySpan<T> toRight, Span<T> fromLeft) where T : unmanaged
    {
        nint type = DataType<T>();
        int left = (Rank - 1 + Size) % Size, right = (Rank + 1) % Size;
        lock (_gate)
        {
            long start = Stopwatch.GetTimestamp();
            fixed (T* sl = toLeft)
            fixed (T* sr = toRight)
            fixed (T* rr = fromRight)
            fixed (T* rl = fromLeft)
            {
                // the tag says which way a message travels, so with two ranks (left = right) the two messages stay apart
                ReadOnlySpan<(nint, int, int, int)> sends = [((nint)sl, toLeft.Length, left, TagLeftward), ((nint)sr, toRight.Length, right, TagRightward)];
                ReadOnlySpan<(nint, int, int, int)> receives = [((nint)rr, fromRight.Length, right, TagLeftward), ((nint)rl, fromLeft.Length, left, TagRightward)];
                _mpi.Exchange(sends, receives, type);
            }
            Statistics.Record((long)(toLeft.Length + toRight.Length) * sizeof(T), start);
        }
    }

    public void Barrier()
    {
        lock (_gate)
        {
            long start = Stopwatch.GetTimestamp();
            _mpi.Barrier();
            Statistics.Record(0, start);
        }
    }

    [DoesNotReturn]
    public void Abort(int errorCode, string message)
    {
        Console.Error.WriteLine($"siglip2: rank {Rank} of {Size}: {message}; aborting the MPI job");
        Console.Error.Flush();
        // not under _gate: the rank may be stuck inside a collective on another thread; after MPI_Finalize no MPI call
        // is allowed, and the launcher ends the job when this process exits non-zero
        if (!_disposed) _mpi.Abort(errorCode);
        Environment.Exit(errorCode);   // MPI_Abort does not return; this is for a library that does
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>MPI_Finalize (collective: every rank must reach it). Later calls do nothing.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            if (!_mpi.IsFinalized) _mpi.FinalizeMpi();
        }
    }

    private const int ChunkElements = 1 << 30;

    private nint DataType<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? _mpi.Float
        : typeof(T) == typeof(double) ? _mpi.Double
        : typeof(T) == typeof(int) ? _mpi.Int
        : typeof(T) == typeof(long) ? _mpi.Long
        : throw new NotSupportedException($"MPI buffers of {typeof(T).Name} are not bound; use float, double, int or long");

    private void CheckPeer(int rank, string name)
    {
        if (rank < 0 || rank >= Size) throw new ArgumentOutOfRangeException(name, $"rank {rank} is outside 0..{Size - 1}");
        ObjectDisposedException.ThrowIf(_disposed, this);
    }
}
