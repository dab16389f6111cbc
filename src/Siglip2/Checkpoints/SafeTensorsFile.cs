using System.IO.MemoryMappedFiles;
using System.Text.Json;
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
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;
    private readonly long _dataStart;
    private readonly long _fileLength;

    public string Path { get; }
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafeTensorsFile(string path, long dataStart, long fileLength,
        Dictionary<string, SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path; _dataStart = dataStart; _fileLength = fileLength;
        Tensors = tensors; Metadata = metadata;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new Siglip2Exception($"safetensors file not found: {path}");
        long length = new FileInfo(path).Length;
        if (length < 8) throw new Siglip2Exception($"{path}: not a safetensors file (only {length} bytes)");
        ulong headerLength;
        byte[] headerBytes;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            Span<byte> lenBytes = stackalloc byte[8];
            fs.ReadExactly(lenBytes);
            headerLength = BitConverter.ToUInt64(lenBytes);
            if (headerLength == 0 || headerLength > 100_000_000 || (long)headerLength > length - 8)
                throw new Siglip2Exception($"{path}: not a safetensors file (header length {headerLength} is impossible for a {length}-byte file)");
            headerBytes = new byte[headerLength];
            fs.ReadExactly(headerBytes);
        }
        var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        long dataStart = 8 + (long)headerLength;
        try
        {
            using var doc = JsonDocument.Parse(headerBytes);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    foreach (var m in prop.Value.EnumerateObject()) metadata[m.Name] = m.Value.ToString();
                    continue;
                }
                string dtype = prop.Value.GetProperty("dtype").GetString()!;
                long[] shape = prop.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = prop.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var info = new SafeTensorInfo(prop.Name, dtype, shape, offsets[0], offsets[1]);
                long expected = info.ElementCount * SafeTensorsDType.ElementSize(dtype);
                if (info.ByteLength != expected || dataStart + info.End > length || info.Begin < 0)
                    throw new Siglip2Exception($"{path}: tensor '{prop.Name}' has inconsistent offsets (truncated or corrupt file)");
                tensors[prop.Name] = info;
            }
        }
        catch (JsonException e)
        {
            throw new Siglip2Exception($"{path}: corrupt safetensors header ({e.Message})");
        }
        catch (KeyNotFoundException)
        {
            throw new Siglip2Exception($"{path}: corrupt safetensors header (an entry lacks dtype, shape or data_offsets)");
        }
        return new SafeTensorsFile(path, dataStart, length, tensors, metadata);
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
        _handle.Dispose();
    }
}
