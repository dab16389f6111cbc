using System.IO.MemoryMappedFiles;
using Siglip2.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Checkpoints;

/// <summary>One tensor entry of a safetensors header.</summary>
public sealed record SafeTensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteLength => End - Begin;
}

/// <summary>
/// A reader of the safetensors format (8-byte little-endian header length, JSON header, raw
/// little-endian data). Tensors are read straight from the file into the destination tensor's memory,
/// one at a time, so a caller that fills a model tensor by tensor never holds a second full copy of the
/// checkpoint (not even as mapped pages). <see cref="RawBytes"/> maps the file lazily.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;
    private readonly long _dataStart;
    private readonly long _fileLength;

    public string Path { get; }
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafeTensorsFile(string path, FileStream stream, SafeTensorsHeader header)
    {
        Path = path;
        _stream = stream;
        _handle = stream.SafeFileHandle;
        _dataStart = header.DataStart;
        _fileLength = header.DataStart + header.DataLength;
        Tensors = header.Tensors;
        Metadata = header.Metadata;
    }

    /// <summary>
    /// Opens a safetensors file (regular files only) and validates its header as the format's reference
    /// implementation does (see <see cref="SafeTensorsHeader"/>); every problem is a one-line
    /// <see cref="Siglip2Exception"/> naming the file and the tensor or field. No tensor data is read.
    /// </summary>
    public static SafeTensorsFile Open(string path)
    {
        var stream = InputFile.OpenRead(path, "safetensors file");
        try
        {
            long length = stream.Length;
            if (length < SafeTensorsHeader.LengthPrefixBytes) throw SafeTensorsHeader.TooShort(path, length);
            Span<byte> lengthBytes = stackalloc byte[SafeTensorsHeader.LengthPrefixBytes];
            ReadExactly(stream, lengthBytes, path);
            ulong headerLength = BitConverter.ToUInt64(lengthBytes);
            SafeTensorsHeader.CheckLength(headerLength, length, path);
            var headerBytes = new byte[headerLength];
            ReadExactly(stream, headerBytes, path);
            var header = SafeTensorsHeader.Parse(headerBytes, length, path);
            return new SafeTensorsFile(path, stream, header);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static void ReadExactly(FileStream stream, Span<byte> buffer, string path)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new Siglip2Exception($"{path}: the file ended while its header was read (it shrank while being opened?)");
        }
        catch (IOException e)
        {
            throw new Siglip2Exception($"cannot read safetensors file '{path}': {e.Message.Split('\n')[0]}", e);
        }
    }

    public bool Contains(string name) => Tensors.ContainsKey(name);

    public SafeTensorInfo Info(string name) =>
        Tensors.TryGetValue(name, out var info) ? info : throw new Siglip2Exception($"{Path}: no tensor named '{name}'");

    /// <summary>The raw little-endian bytes of one tensor as a read-only span over the mapping.</summary>
    public unsafe ReadOnlySpan<byte> RawBytes(string name)
    {
        var info = Info(name);
        if (info.ByteLength == 0) return ReadOnlySpan<byte>.Empty;
        if (_view is null)
        {
            _map = MemoryMappedFile.CreateFromFile(_handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            _view = _map.CreateViewAccessor(0, _fileLength, MemoryMappedFileAccess.Read);
        }
        byte* basePtr = null;
        _view!.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
        try
        {
            basePtr += _view.PointerOffset;
            return new ReadOnlySpan<byte>(basePtr + _dataStart + info.Begin, checked((int)info.ByteLength));
        }
        finally
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>
    /// Copies one tensor into a new torch tensor in its stored dtype, or converted to
    /// <paramref name="dtype"/> when given.
    /// </summary>
    public Tensor ReadTensor(string name, ScalarType? dtype = null)
    {
        var info = Info(name);
        var stored = SafeTensorsDType.ToScalarType(info.DType, Path, name);
        var t = torch.empty(info.Shape, stored);
        if (info.ByteLength > 0) CopyInto(info, t);
        if (dtype is { } d && d != stored)
        {
            var converted = t.to_type(d);
            t.Dispose();
            return converted;
        }
        return t;
    }

    /// <summary>Copies one tensor into an existing contiguous CPU tensor of the same element count, converting dtype.</summary>
    public void CopyTo(string name, Tensor destination)
    {
        var info = Info(name);
        var stored = SafeTensorsDType.ToScalarType(info.DType, Path, name);
        if (destination.numel() != info.ElementCount)
            throw new Siglip2Exception($"{Path}: tensor '{name}' has {info.ElementCount} elements, the destination {destination.numel()}");
        using var _ = torch.no_grad();
        if (destination.dtype == stored && destination.is_contiguous())
        {
            CopyInto(info, destination);
            return;
        }
        if (!destination.is_contiguous() || info.ElementCount == 0)
        {
            using var tmp = torch.empty(info.Shape, stored);
            CopyInto(info, tmp);
            destination.copy_(tmp.reshape(destination.shape));
            return;
        }
        // Dtype conversion in slices through one small buffer: no full-size temporary of the stored dtype.
        using var flat = destination.view(-1);
        long total = info.ElementCount, chunk = Math.Min(total, ConversionChunkElements);
        long elementBytes = info.ByteLength / total;
        using var buffer = torch.empty(chunk, stored);
        for (long start = 0; start < total; start += chunk)
        {
            long n = Math.Min(chunk, total - start);
            using var part = buffer.narrow(0, 0, n);
            ReadRange(info, part.bytes, start * elementBytes);
            using var target = flat.narrow(0, start, n);
            target.copy_(part);
        }
    }

    private const long ConversionChunkElements = 1 << 22;

    private void CopyInto(SafeTensorInfo info, Tensor destination)
    {
        var dst = destination.bytes;
        if (dst.Length != info.ByteLength) throw new InvalidOperationException("destination byte size mismatch");
        ReadRange(info, dst, 0);
    }

    /// <summary>Reads dst.Length bytes of the tensor starting <paramref name="byteOffset"/> bytes into its data.</summary>
    private void ReadRange(SafeTensorInfo info, Span<byte> dst, long byteOffset)
    {
        long offset = _dataStart + info.Begin + byteOffset;
        int done = 0;
        while (done < dst.Length)
        {
            int n = RandomAccess.Read(_handle, dst[done..], offset + done);
            if (n <= 0) throw new Siglip2Exception($"{Path}: unexpected end of file reading '{info.Name}' (truncated download?)");
            done += n;
        }
    }

    public float[] ReadFloats(string name)
    {
        using var t = ReadTensor(name, ScalarType.Float32);
        return t.data<float>().ToArray();
    }

    public long[] ReadInt64s(string name)
    {
        using var t = ReadTensor(name, ScalarType.Int64);
        return t.data<long>().ToArray();
    }

    public void Dispose()
    {
        _view?.Dispose();
        _map?.Dispose();
        _stream.Dispose();
    }
}
