namespace Siglip2.Tasks.Benchmarking;

/// <summary>
/// Our pipeline around an ONNX Runtime session (<see cref="Onnx.OnnxEmbedder"/>: inputs from the preprocessed batch,
/// the run, the output copied and checked into a tensor) against the bare session run on the same graph and inputs;
/// medians of interleaved runs.
/// </summary>
public sealed record OrtOverheadResult(string Tower, string Layout, string DType, int Batch, double BareMs, double PipelineMs)
{
    /// <summary>Pipeline time / bare time − 1 (0.05 = 5% over the bare session).</summary>
    public double Overhead => PipelineMs / BareMs - 1;
}

/// <summary>The accuracy gate measured in the benchmark: smallest cosine of a path's pooled outputs to fp32's on the benchmark's batch.</summary>
public sealed record GateResult(string Tower, string Layout, string DType, double MinCosine);
