namespace Siglip2.Tasks.Benchmarking;

/// <summary>
/// One calibration measurement: the fastest timed forward pass of <paramref name="Path"/> on one tower
/// ("image" or "text") at one batch size, and the smallest cosine of its embeddings to torch fp32's on the
/// calibration inputs (null where not measured; torch fp32 itself has 1).
/// </summary>
public sealed record PathMeasurement(InferencePath Path, string Tower, double Seconds, double? Cosine);
