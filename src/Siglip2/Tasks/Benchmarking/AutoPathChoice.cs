namespace Siglip2.Tasks.Benchmarking;

/// <summary>
/// What <see cref="AutoPathChooser"/> picked: the path, its speed-up over torch fp32 (the mean over the towers of
/// torch fp32's time / the path's; 1 for torch fp32 itself) and the smallest gate cosine over the towers (null for
/// torch fp32), with the paths refused by the gate.
/// </summary>
public sealed record AutoPathChoice(InferencePath Path, double Speedup, double? Cosine, IReadOnlyList<InferencePath> Refused)
{
    /// <summary>The one-line note the CLI prints: "--dtype auto chose onnx int8 (2.9× torch fp32 here; int8 cosine 0.9998)".</summary>
    public string Note(bool cached)
    {
        string gate = Cosine is double c && Path.IsReduced ? $"; {Path.DTypeName} cosine {c:F4}" : "";
        string refused = Refused.Count > 0 ? $"; refused by the accuracy gate: {string.Join(", ", Refused)}" : "";
        string how = cached ? "; cached calibration" : "";
        return Path == InferencePath.TorchFloat32
            ? $"--dtype auto chose torch fp32 (nothing faster here{refused}{how})"
            : $"--dtype auto chose {Path} ({Speedup:F1}× torch fp32 here{gate}{refused}{how})";
    }
}
