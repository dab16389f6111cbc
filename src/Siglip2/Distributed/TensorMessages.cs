using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Distributed;

/// <summary>
/// Tensors as MPI messages: CPU float32 / float64 tensors travel as managed arrays. A tensor over the array's memory
/// (<c>torch.frombuffer</c>) moves the data in and out with libtorch's <c>copy_</c> (a memcpy); TorchSharp's
/// <c>TensorAccessor.CopyTo/CopyFrom</c> copy element by element (~190 ms for 25 MB here) and its native data pointer
/// is not public API. A received tensor is cloned out of the array, so no tensor outlives the memory it points to.
/// </summary>
public static class TensorMessages
{
    /// <summary>The dtypes that travel: float32 (training) and float64 (exact checks).</summary>
    public static void CheckSupported(Tensor tensor, string what)
    {
        if (tensor.device_type != DeviceType.CPU)
            throw new ArgumentException($"{what}: only CPU tensors can be sent over MPI, got {tensor.device}");
        if (tensor.dtype != ScalarType.Float32 && tensor.dtype != ScalarType.Float64)
            throw new ArgumentException($"{what}: only float32 and float64 tensors can be sent over MPI, got {tensor.dtype}");
    }

    /// <summary>The tensor's elements in row-major order.</summary>
    public static T[] ToArray<T>(Tensor tensor) where T : unmanaged
    {
        var array = new T[tensor.numel()];
        if (array.Length == 0) return array;
        using var view = torch.frombuffer(array, DType<T>(tensor));
        using var detached = tensor.detach();
        using var flat = detached.reshape(-1);
        view.copy_(flat);
        return array;
    }

    /// <summary>A new tensor of <paramref name="shape"/> holding <paramref name="data"/>.</summary>
    public static Tensor FromArray<T>(T[] data, long[] shape, ScalarType dtype) where T : unmanaged
    {
        if (data.Length == 0) return torch.empty(shape, dtype);
        using var view = torch.frombuffer(data, dtype);
        using var shaped = view.view(shape);
        return shaped.clone();
    }

    private static ScalarType DType<T>(Tensor tensor) where T : unmanaged
    {
        var dtype = typeof(T) == typeof(double) ? ScalarType.Float64 : typeof(T) == typeof(float) ? ScalarType.Float32
            : throw new NotSupportedException($"tensor messages of {typeof(T).Name} are not supported");
        if (tensor.dtype != dtype) throw new ArgumentException($"a {tensor.dtype} tensor cannot be read as {typeof(T).Name}");
        return dtype;
    }
}
