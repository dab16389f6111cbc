namespace Siglip2.Onnx;

/// <summary>Options of <see cref="OnnxTowerExport"/>.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Protobuf's hard limit is 2 GiB per message; above this many bytes of weights they go to an external data file.</summary>
    public const long DefaultExternalDataThreshold = (2L << 30) - (64L << 20);

    public OnnxPrecision Precision { get; init; } = OnnxPrecision.Float32;

    /// <summary>Input and output names: Hugging Face's (transformers.js, onnx-community) or Immich's.</summary>
    public OnnxGraphInterface Interface { get; init; } = OnnxGraphInterface.HuggingFace;

    /// <summary>Weight bytes above which the initializers are written to <c>&lt;model&gt;.onnx_data</c> (a test sets it low).</summary>
    public long ExternalDataThreshold { get; init; } = DefaultExternalDataThreshold;
}
