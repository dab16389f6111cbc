using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Distributed;

/// <summary>
/// Tensors as MPI messages: CPU float32 / float64 tensors travel as managed arrays. An embedding block is a few hundred
/// KB at most, so the copy into the array (TorchSharp's <c>TensorAccessor</c>, a memcpy for a contiguous tensor) costs
/// microseconds and keeps the code on TorchSharp's public API — its native data pointer is not exposed publicly.
/// The gradient buckets of <see cref="GradientAllReduce"/> are flattened into one pinned buffer anyway, which is the
/// same single copy.
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

    public static T[] ToArray<T>(Tensor tensor) where T : unmanaged
    {
        if (tensor.dtype != (typeof(T) == typeof(double) ? ScalarType.Float64 : ScalarType.Float32))
            throw new ArgumentException($"a {tensor.dtype} tensor cannot be read as {typeof(T).Name}");
        using var detached = tensor.detach();
        using var contiguous = detached.contiguous();
        return contiguous.data<T>().ToArray();
    }

    public static Tensor FromArray<T>(T[] data, long[] shape, ScalarType dtype) where T : unmanaged
    {
        var result = torch.empty(shape, dtype);
        result.data<T>().CopyFrom(data, 0, 0);
        return result;
    }
}
