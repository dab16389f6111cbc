using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Distributed.Host;

/// <summary>
/// <see cref="GradientAllReduce.Average"/> on hand-made gradients, with 8-byte buckets (every tensor cut into pieces):
/// <c>a</c> (3 floats) has the gradient (r + 1)·[1, 2, 3] on every rank, <c>b</c> (2 floats) a gradient [4, 8] on the last
/// rank only, <c>c</c> none anywhere, <c>d</c> (5 floats) is frozen (requires_grad = false) but holds a gradient that must
/// stay untouched. Writes the four gradients after averaging (null for none).
/// </summary>
internal static class GradientScenario
{
    public static void Run(IProcessGroup group, HostOutput output)
    {
        int r = group.Rank, w = group.Size;
        var a = new Parameter(torch.zeros(3));
        var b = new Parameter(torch.zeros(2));
        var c = new Parameter(torch.zeros(4));
        var d = new Parameter(torch.zeros(5));
        a.grad = torch.tensor(new[] { 1f, 2f, 3f }) * (r + 1);
        if (r == w - 1) b.grad = torch.tensor(new[] { 4f, 8f });
        d.grad = torch.full(5, 7f);
        d.requires_grad = false;
        var allReduce = new GradientAllReduce(group, bucketBytes: 8);
        allReduce.Average([a, b, c, d]);
        foreach (var (name, p) in new[] { ("a", a), ("b", b), ("c", c), ("d", d) })
            output.Add(name, p.grad is null ? null! : SeededBatch.Flat(p.grad));
        output.Add("payloadBytes", allReduce.LastPayloadBytes);
        output.Add("allreduceCalls", allReduce.LastAllreduceCalls);
        output.Write();
    }
}
