namespace Siglip2.Tasks.Benchmarking;

/// <summary>A number from another runtime for the same computation (e.g. bench/pytorch_peer.py's output), for the report.</summary>
/// <param name="CeilingGflops">the peer's own 1024³ fp32 matmul rate measured in its run (null if unknown), so its tower rate can be compared as a ratio.</param>
public sealed record PeerResult(string Runtime, string Tower, string Layout, string DType, int Batch, double ItemsPerSecond, double? Gflops, string Source,
    double? CeilingGflops = null)
{
    public double? FractionOfCeiling => Gflops is { } g && CeilingGflops is { } c ? g / c : null;
}
