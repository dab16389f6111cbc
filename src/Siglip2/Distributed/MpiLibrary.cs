using System.Runtime.InteropServices;
using System.Text;

namespace Siglip2.Distributed;

/// <summary>
/// The few MPI calls data-parallel training needs, bound to OpenMPI's <c>libmpi.so</c> (Debian 12: OpenMPI 4.1,
/// <c>libmpi.so.40</c>). Written by hand because MPI.NET binds only Windows' msmpi and no other Linux binding is served:
/// the calls are plain C functions, resolved once with <see cref="NativeLibrary.GetExport"/> into unmanaged function
/// pointers. OpenMPI's handles (<c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>, …) are the addresses of exported
/// globals (<c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>, <c>ompi_mpi_op_sum</c>, …), resolved the same way. The library
/// is opened with <c>RTLD_GLOBAL</c> so that the MCA components OpenMPI itself loads (transports, collectives) find its
/// symbols. Every return code is checked; the world communicator is switched to <c>MPI_ERRORS_RETURN</c> so a failed call
/// becomes a <see cref="Siglip2Exception"/> naming the call and MPI's own error text instead of an abort deep inside
/// the library. Nothing here is loaded unless a process runs under an MPI launcher (<see cref="ProcessGroup.Create"/>).
/// </summary>
internal sealed unsafe class MpiLibrary
{
    // mpi.h (OpenMPI 4.1): MPI_SUCCESS 0, MPI_THREAD_SINGLE..MULTIPLE = 0..3, MPI_IN_PLACE = (void*)1,
    // MPI_STATUS(ES)_IGNORE = NULL, MPI_MAX_ERROR_STRING = 256, MPI_Status = { int source, tag, error, _cancelled; size_t _ucount }.
    public const int ThreadSerialized = 2;
    private const int Success = 0;
    private const int MaxErrorString = 256;
    private static readonly nint InPlace = 1;

    /// <summary>The names tried in order: the runtime library (package <c>libopenmpi3</c>) and the development link.</summary>
    private static readonly string[] LibraryNames = ["libmpi.so.40", "libmpi.so"];

    private readonly nint _handle;
    public readonly nint CommWorld, Float, Double, Int, Long, OpSum, ErrorsReturn;

    private readonly delegate* unmanaged<int*, nint*, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int*, int> _initialized, _finalized;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, int*, int> _commRank, _commSize;
    private readonly delegate* unmanaged<nint, nint, int> _commSetErrhandler;
    private readonly delegate* unmanaged<nint, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> _allgather;
    private readonly delegate* unmanaged<void*, int, nint, int, int, void*, int, nint, int, int, nint, void*, int> _sendrecv;
    private readonly delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int> _isend, _irecv;
    private readonly delegate* unmanaged<int, nint*, void*, int> _waitall;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<int, byte*, int*, int> _errorString;

    private MpiLibrary(nint handle)
    {
        _handle = handle;
        CommWorld = Export("ompi_mpi_comm_world");
        Float = Export("ompi_mpi_float");
        Double = Export("ompi_mpi_double");
        Int = Export("ompi_mpi_int");
        Long = Export("ompi_mpi_long_long_int");   // C# long = int64 = long long on LP64 Linux
        OpSum = Export("ompi_mpi_op_sum");
        ErrorsReturn = Export("ompi_mpi_errors_return");
        _initThread = (delegate* unmanaged<int*, nint*, int, int*, int>)Export("MPI_Init_thread");
        _initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        _commRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        _commSetErrhandler = (delegate* unmanaged<nint, nint, int>)Export("MPI_Comm_set_errhandler");
        _allreduce = (delegate* unmanaged<nint, void*, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        _allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)Export("MPI_Allgather");
        _sendrecv = (delegate* unmanaged<void*, int, nint, int, int, void*, int, nint, int, int, nint, void*, int>)Export("MPI_Sendrecv");
        _isend = (delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int>)Export("MPI_Isend");
        _irecv = (delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int>)Export("MPI_Irecv");
        _waitall = (delegate* unmanaged<int, nint*, void*, int>)Export("MPI_Waitall");
        _barrier = (delegate* unmanaged<nint, int>)Export("MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
    }

    /// <summary>Opens libmpi (RTLD_NOW | RTLD_GLOBAL) or explains how to install it.</summary>
    public static MpiLibrary Load(string launcher)
    {
        var errors = new List<string>();
        foreach (string name in LibraryNames)
        {
            nint handle = dlopen(name, RtldNow | RtldGlobal);
            if (handle != 0) return new MpiLibrary(handle);
            errors.Add(Marshal.PtrToStringUTF8(dlerror()) ?? name);
        }
        throw new Siglip2Exception($"launched under an MPI launcher ({launcher}) but OpenMPI's library could not be loaded " +
                                   $"({string.Join("; ", errors)}); install it with `apt-get install openmpi-bin libopenmpi-dev` " +
                                   "(scripts/ensure-deps.sh --tests does), or run without mpirun for a single process");
    }

    private nint Export(string symbol)
    {
        if (!NativeLibrary.TryGetExport(_handle, symbol, out nint address))
            throw new Siglip2Exception($"the loaded libmpi has no symbol '{symbol}': only OpenMPI (4.x) is supported; " +
                                       "install Debian's openmpi-bin and libopenmpi-dev");
        return address;
    }

    public bool IsInitialized { get { int flag; Check(_initialized(&flag), "MPI_Initialized"); return flag != 0; } }
    public bool IsFinalized { get { int flag; Check(_finalized(&flag), "MPI_Finalized"); return flag != 0; } }

    /// <summary>MPI_Init_thread(NULL, NULL, required, &amp;provided); returns the provided level.</summary>
    public int InitThread(int required)
    {
        int provided;
        Check(_initThread(null, null, required, &provided), "MPI_Init_thread");
        Check(_commSetErrhandler(CommWorld, ErrorsReturn), "MPI_Comm_set_errhandler");
        return provided;
    }

    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");
    public int Rank { get { int r; Check(_commRank(CommWorld, &r), "MPI_Comm_rank"); return r; } }
    public int Size { get { int s; Check(_commSize(CommWorld, &s), "MPI_Comm_size"); return s; } }

    /// <summary>In-place sum over all ranks: MPI_Allreduce(MPI_IN_PLACE, buffer, count, type, MPI_SUM, MPI_COMM_WORLD).</summary>
    public void AllreduceSumInPlace(void* buffer, int count, nint datatype) =>
        Check(_allreduce(InPlace, buffer, count, datatype, OpSum, CommWorld), "MPI_Allreduce");

    public void Allgather(void* send, int count, nint datatype, void* receive) =>
        Check(_allgather(send, count, datatype, receive, count, datatype, CommWorld), "MPI_Allgather");

    public void Sendrecv(void* send, int sendCount, int destination, void* receive, int receiveCount, int source, nint datatype, int tag) =>
        Check(_sendrecv(send, sendCount, datatype, destination, tag, receive, receiveCount, datatype, source, tag, CommWorld, null), "MPI_Sendrecv");

    /// <summary>Starts the sends and receives, then waits for all of them (MPI_Isend/MPI_Irecv + MPI_Waitall).</summary>
    public void Exchange(ReadOnlySpan<(nint Buffer, int Count, int Peer, int Tag)> sends,
                         ReadOnlySpan<(nint Buffer, int Count, int Peer, int Tag)> receives, nint datatype)
    {
        int n = sends.Length + receives.Length;
        nint* requests = stackalloc nint[n];
        int k = 0;
        // receives first, so that a message that arrives early has a posted buffer
        foreach (var r in receives) Check(_irecv((void*)r.Buffer, r.Count, datatype, r.Peer, r.Tag, CommWorld, &requests[k++]), "MPI_Irecv");
        foreach (var s in sends) Check(_isend((void*)s.Buffer, s.Count, datatype, s.Peer, s.Tag, CommWorld, &requests[k++]), "MPI_Isend");
        Check(_waitall(k, requests, null), "MPI_Waitall");
    }

    public void Barrier() => Check(_barrier(CommWorld), "MPI_Barrier");

    /// <summary>MPI_Abort(MPI_COMM_WORLD, code): the launcher ends every rank of the job.</summary>
    public void Abort(int errorCode) => _abort(CommWorld, errorCode);

    private void Check(int code, string call)
    {
        if (code == Success) return;
        throw new Siglip2Exception($"{call} failed: {ErrorText(code)} (MPI error {code}); " +
                                   "check that every rank runs the same command and that the launcher's transports work (docs/distributed.md)");
    }

    private string ErrorText(int code)
    {
        byte* text = stackalloc byte[MaxErrorString];
        int length = 0;
        return _errorString(code, text, &length) == Success && length > 0
            ? Encoding.UTF8.GetString(text, Math.Min(length, MaxErrorString))
            : "unknown error";
    }

    // dlopen is used instead of NativeLibrary.Load only for RTLD_GLOBAL (NativeLibrary opens RTLD_LOCAL)
    private const int RtldNow = 2, RtldGlobal = 0x100;
    [DllImport("libc.so.6", EntryPoint = "dlopen")] private static extern nint dlopen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);
    [DllImport("libc.so.6", EntryPoint = "dlerror")] private static extern nint dlerror();
}
