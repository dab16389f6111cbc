using Siglip2.Cli.Commands;
using Xunit;

namespace Siglip2.Tests.Cli;

public class BenchCommandTests
{
    [Fact]
    public void QuotedPeerRatesMatchTheIssueFigures()
    {
        // The issue quotes ONNX Runtime's B/16 image tower at batch 8 as 4.25 img/s = 150 GFLOP/s and PyTorch's as
        // 2.39 img/s = 85 GFLOP/s, "about 0.9×" and "about 0.5×" of a 156–173 GFLOP/s matmul.
        var onnx = BenchCommand.QuotedPeers.Single(p => p.Runtime.StartsWith("ONNX") && p.Tower == "image" && p.Batch == 8);
        var torch = BenchCommand.QuotedPeers.Single(p => p.Runtime.StartsWith("PyTorch") && p.Tower == "image" && p.Batch == 8);
        Assert.InRange(onnx.Gflops!.Value, 149, 152);
        Assert.InRange(torch.Gflops!.Value, 84, 86);
        Assert.InRange(onnx.FractionOfCeiling!.Value, 0.87, 0.96);
        Assert.InRange(torch.FractionOfCeiling!.Value, 0.49, 0.55);
        // text: 64 tokens of B ≈ 11 GFLOP per text
        var text = BenchCommand.QuotedPeers.Single(p => p.Runtime.StartsWith("ONNX") && p.Tower == "text" && p.Batch == 8);
        Assert.InRange(text.Gflops!.Value / text.ItemsPerSecond, 10.8, 11.2);
    }
}
