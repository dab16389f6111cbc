namespace Siglip2.Tasks.Benchmarking;

/// <summary>A number from another runtime for the same computation (e.g. bench/pytorch_peer.py's output), for the report.</summary>
public sealed record PeerResult(string Runtime, string Tower, string Layout, string DType, int Batch, double ItemsPerSecond, double? Gflops, string Source);
