using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Distributed;

/// <summary>
/// Differentiable neighbour exchange on the ring of ranks (open_clip's <c>NeighbourExchange</c> /
/// <c>NeighbourExchangeBidir</c>; the SigLIP paper's chunked loss): a tensor sent to a neighbour arrives there as a
/// tensor of that rank's graph, and in backward the gradient the receiver computed for it travels the opposite way
/// and becomes the gradient of the tensor that was sent. Built as TorchSharp custom autograd functions
/// (<c>torch.autograd.MultiTensorFunction</c>/<c>SingleTensorFunction</c>). Every rank must run the same exchanges in
/// the same order, forward and backward — true when every rank builds the same graph, as data parallelism does.
/// </summary>
public static class NeighbourExchange
{
    /// <summary>
    /// Sends <paramref name="toLeft"/> to rank − 1 and <paramref name="toRight"/> to rank + 1 at once; returns what the
    /// right neighbour sent left (shape <paramref name="fromRightShape"/>) and what the left neighbour sent right.
    /// </summary>
    public static (Tensor FromRight, Tensor FromLeft) Bidirectional(IProcessGroup group, Tensor toLeft, Tensor toRight,
                                                                    long[] fromRightShape, long[] fromLeftShape)
    {
        TensorMessages.CheckSupported(toLeft, "neighbour exchange");
        TensorMessages.CheckSupported(toRight, "neighbour exchange");
        var outputs = BidirectionalFunction.apply(toLeft, toRight, group, fromRightShape, fromLeftShape);
        return (outputs[0], outputs[1]);
    }

    /// <summary>Sends <paramref name="toRight"/> to rank + 1 and returns what rank − 1 sent (shape <paramref name="fromLeftShape"/>).</summary>
    public static Tensor ShiftRight(IProcessGroup group, Tensor toRight, long[] fromLeftShape)
    {
        TensorMessages.CheckSupported(toRight, "neighbour exchange");
        return ShiftRightFunction.apply(toRight, group, fromLeftShape);
    }

    private static (Tensor, Tensor) ExchangeBoth(IProcessGroup group, Tensor toLeft, Tensor toRight, long[] fromRightShape, long[] fromLeftShape)
    {
        var dtype = toLeft.dtype;
        return dtype == ScalarType.Float64
            ? ExchangeBoth<double>(group, toLeft, toRight, fromRightShape, fromLeftShape, dtype)
            : ExchangeBoth<float>(group, toLeft, toRight, fromRightShape, fromLeftShape, dtype);
    }

    private static (Tensor, Tensor) ExchangeBoth<T>(IProcessGroup group, Tensor toLeft, Tensor toRight, long[] fromRightShape, long[] fromLeftShape, ScalarType dtype)
        where T : unmanaged
    {
        var fromRight = new T[Elements(fromRightShape)];
        var fromLeft = new T[Elements(fromLeftShape)];
        group.ExchangeWithNeighbours<T>(TensorMessages.ToArray<T>(toLeft), fromRight, TensorMessages.ToArray<T>(toRight), fromLeft);
        return (TensorMessages.FromArray(fromRight, fromRightShape, dtype), TensorMessages.FromArray(fromLeft, fromLeftShape, dtype));
    }

    private static Tensor Shift(IProcessGroup group, Tensor send, int destination, long[] receiveShape, int source)
    {
        var dtype = send.dtype;
        if (dtype == ScalarType.Float64)
        {
            var received = new double[Elements(receiveShape)];
            group.SendReceive<double>(TensorMessages.ToArray<double>(send), destination, received, source);
            return TensorMessages.FromArray(received, receiveShape, dtype);
        }
        else
        {
            var received = new float[Elements(receiveShape)];
            group.SendReceive<float>(TensorMessages.ToArray<float>(send), destination, received, source);
            return TensorMessages.FromArray(received, receiveShape, dtype);
        }
    }

    private static long Elements(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>forward(toLeft, toRight) = (fromRight, fromLeft); backward sends each output's gradient back to the rank it came from.</summary>
    private sealed class BidirectionalFunction : torch.autograd.MultiTensorFunction<BidirectionalFunction>
    {
        public override string Name => "NeighbourExchangeBidirectional";

        public override List<Tensor> forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var toLeft = (Tensor)vars[0];
            var toRight = (Tensor)vars[1];
            var group = (IProcessGroup)vars[2];
            ctx.save_data("group", group);
            ctx.save_data("toLeftShape", toLeft.shape);
            ctx.save_data("toRightShape", toRight.shape);
            var (fromRight, fromLeft) = ExchangeBoth(group, toLeft, toRight, (long[])vars[3], (long[])vars[4]);
            return [fromRight, fromLeft];
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, List<Tensor> gradOutputs)
        {
            var group = (IProcessGroup)ctx.get_data("group");
            // fromLeft came from the left neighbour, whose toRight it was: its gradient goes back left, and what arrives from
            // the right is the right neighbour's gradient of its fromLeft — this rank's toRight. Symmetrically for the rest.
            var (gradToRight, gradToLeft) = ExchangeBoth(group, toLeft: gradOutputs[1], toRight: gradOutputs[0],
                                                         fromRightShape: (long[])ctx.get_data("toRightShape"),
                                                         fromLeftShape: (long[])ctx.get_data("toLeftShape"));
            return [gradToLeft, gradToRight, null!, null!, null!];
        }
    }

    /// <summary>forward(x) = what the left neighbour sent; backward: the gradient goes back left, this rank's from the right.</summary>
    private sealed class ShiftRightFunction : torch.autograd.SingleTensorFunction<ShiftRightFunction>
    {
        public override string Name => "NeighbourExchangeShiftRight";

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var toRight = (Tensor)vars[0];
            var group = (IProcessGroup)vars[1];
            ctx.save_data("group", group);
            ctx.save_data("shape", toRight.shape);
            int left = (group.Rank - 1 + group.Size) % group.Size, right = (group.Rank + 1) % group.Size;
            return Shift(group, toRight, right, (long[])vars[2], left);
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var group = (IProcessGroup)ctx.get_data("group");
            int left = (group.Rank - 1 + group.Size) % group.Size, right = (group.Rank + 1) % group.Size;
            return [Shift(group, gradOutput, left, (long[])ctx.get_data("shape"), right), null!, null!];
        }
    }
}
