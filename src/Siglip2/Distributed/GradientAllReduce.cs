using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Distributed;

/// <summary>
/// Averages the gradients of a model over the ranks of a data-parallel job, as PyTorch DDP does: the float32 gradients
/// of the trainable parameters, in the order given (the model's parameter order, the same on every rank), are copied
/// into one flat pinned buffer of <see cref="BucketBytes"/> (25 MB by default, DDP's default bucket size) — a gradient
/// may continue into the next bucket — and each full bucket is summed with one MPI_Allreduce, then copied back; each
/// gradient is finally divided by the world size. One big message per bucket instead of one per tensor amortises
/// MPI's per-message latency over a few hundred tensors.
/// <para>Averaging, not summing, is the convention: each rank's loss is normalised as that rank's share of the global
/// mean (<c>RingSigmoidLoss</c>: the global sum over its images × (world size / global batch); a local term such as
/// LocCa: its mean over the local batch), so the mean of the ranks' gradients is exactly the gradient of the loss of
/// one process on the global batch.</para>
/// <para>Before the buckets, the ranks agree on which parameters have a gradient (one small allreduce of a 0/1 flag per
/// parameter): a parameter without a gradient on every rank stays without one; one with a gradient on some ranks only
/// gets zeros on the others, so every rank steps with the same averaged gradient and the weights stay identical.</para>
/// </summary>
public sealed class GradientAllReduce
{
    public const long DefaultBucketBytes = 25L << 20;

    private readonly IProcessGroup _group;
    private float[]? _buffer;

    public GradientAllReduce(IProcessGroup group, long bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (bucketBytes < sizeof(float) || bucketBytes / sizeof(float) > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(bucketBytes), $"a bucket holds 4 B to {Array.MaxLength * 4L} B, got {bucketBytes}");
        _group = group;
        BucketBytes = bucketBytes;
    }

    public long BucketBytes { get; }

    /// <summary>Payload bytes this rank put into allreduces in the last call (the flags and the gradient buckets).</summary>
    public long LastPayloadBytes { get; private set; }

    /// <summary>Allreduce calls of the last call (the flags plus one per bucket).</summary>
    public int LastAllreduceCalls { get; private set; }

    /// <summary>Wall time inside the allreduces of the last call (waiting for slower ranks included).</summary>
    public TimeSpan LastCommunicationTime { get; private set; }

    /// <summary>Replaces every gradient of <paramref name="parameters"/> that requires one by its mean over the ranks.</summary>
    public void Average(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        LastPayloadBytes = 0;
        LastAllreduceCalls = 0;
        LastCommunicationTime = TimeSpan.Zero;
        if (_group.Size == 1) return;   // the mean over one rank is the gradient itself

        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var trainable = parameters.Where(p => p.requires_grad).ToList();
        var present = new float[trainable.Count];
        for (int i = 0; i < trainable.Count; i++) present[i] = trainable[i].grad is null ? 0f : 1f;
        long bytesBefore = _group.Statistics.PayloadBytes;
        var timeBefore = _group.Statistics.Elapsed;
        _group.AllReduceSum<float>(present);
        LastAllreduceCalls++;

        var gradients = new List<Tensor>();
        for (int i = 0; i < trainable.Count; i++)
        {
            var p = trainable[i];
            if (present[i] == 0f) continue;
            if (p.grad is null) p.grad = torch.zeros_like(p);
            var grad = p.grad!;
            if (grad.dtype != ScalarType.Float32 || grad.device_type != DeviceType.CPU)
                throw new ArgumentException($"gradient averaging takes CPU float32 gradients; parameter {i} has a {grad.dtype} gradient on {grad.device}");
            if (!grad.is_contiguous()) p.grad = grad = grad.contiguous();
            gradients.Add(grad);
        }

        long bucketElements = BucketBytes / sizeof(float);
        long total = gradients.Sum(g => g.numel());
        _buffer ??= GC.AllocateArray<float>((int)Math.Min(bucketElements, Math.Max(total, 1)), pinned: true);
        if (_buffer.Length < Math.Min(bucketElements, total))
            _buffer = GC.AllocateArray<float>((int)Math.Min(bucketElements, total), pinned: true);

        var pieces = new List<(Tensor Flat, long Offset, int Length, int At)>();
        int filled = 0;
        foreach (var grad in gradients)
        {
            var flat = grad.view(-1);
            long n = flat.numel();
            for (long offset = 0; offset < n;)
            {
                int take = (int)Math.Min(n - offset, _buffer.Length - filled);
                using (var piece = flat.narrow(0, offset, take))
                    piece.data<float>().CopyTo(_buffer.AsSpan(filled, take));
                pieces.Add((flat, offset, take, filled));
                filled += take;
                offset += take;
                if (filled == _buffer.Length) Flush(pieces, ref filled);
            }
        }
        if (filled > 0) Flush(pieces, ref filled);
        foreach (var grad in gradients) grad.div_(_group.Size);

        LastPayloadBytes = _group.Statistics.PayloadBytes - bytesBefore;
        LastCommunicationTime = _group.Statistics.Elapsed - timeBefore;
    }

    private void Flush(List<(Tensor Flat, long Offset, int Length, int At)> pieces, ref int filled)
    {
        _group.AllReduceSum(_buffer.AsSpan(0, filled));
        LastAllreduceCalls++;
        foreach (var (flat, offset, length, at) in pieces)
            using (var piece = flat.narrow(0, offset, length))
                piece.data<float>().CopyFrom(_buffer.AsSpan(at, length));
        pieces.Clear();
        filled = 0;
    }
}
