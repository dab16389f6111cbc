using System.IO.Hashing;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Distributed;

/// <summary>
/// Data parallelism keeps the ranks' weights identical only if they start identical (same seed or same checkpoint):
/// averaged gradients cannot repair a difference. This check hashes every parameter's shape and float32 bytes
/// (XxHash64, in the given order) and compares the ranks' hashes with one allgather — once at the start of a run.
/// </summary>
public static class ReplicaConsistency
{
    /// <summary>Throws a <see cref="Siglip2Exception"/> on every rank when some rank's parameters differ from rank 0's.</summary>
    public static void EnsureIdentical(IProcessGroup group, IReadOnlyList<Parameter> parameters)
    {
        if (group.Size == 1) return;
        long hash = Hash(parameters);
        long[] hashes = group.AllGather(hash);
        var differing = Enumerable.Range(0, hashes.Length).Where(r => hashes[r] != hashes[0]).ToArray();
        if (differing.Length > 0)
            throw new Siglip2Exception($"the weights of rank(s) {string.Join(", ", differing)} differ from rank 0's at the start; " +
                                       "start every rank from the same seed or checkpoint (and the same command line)");
    }

    /// <summary>XxHash64 of the parameters' shapes and float32 values.</summary>
    public static long Hash(IReadOnlyList<Parameter> parameters)
    {
        var hash = new XxHash64();
        using var noGrad = torch.no_grad();
        foreach (var p in parameters)
        {
            hash.Append(MemoryMarshal.AsBytes(p.shape.AsSpan()));
            using var values = p.detach().to_type(ScalarType.Float32);
            hash.Append(MemoryMarshal.AsBytes(TensorMessages.ToArray<float>(values).AsSpan()));
        }
        return (long)hash.GetCurrentHashAsUInt64();
    }
}
