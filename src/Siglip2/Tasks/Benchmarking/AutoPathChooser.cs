namespace Siglip2.Tasks.Benchmarking;

/// <summary>
/// The rule of `--dtype auto`, a pure function of calibration measurements: among the allowed paths that were measured
/// on every tower the command uses, the one with the smallest mean relative time (its time / torch fp32's, per tower);
/// torch fp32 itself (relative time 1) is always allowed, so the choice is never slower than it. A reduced-precision
/// path (bf16, int8) is allowed only if its cosine to torch fp32 is at least <see cref="GateCosine"/> on every tower;
/// onnx fp32 needs no gate (it computes the same float32 function). Ties go to torch fp32, then to the order of
/// <see cref="InferencePath.All"/>. With the candidates limited to one backend (`--backend onnx --dtype auto`) that
/// backend's fp32 path takes torch fp32's place as the fallback that is always allowed.
/// </summary>
public static class AutoPathChooser
{
    /// <summary>The accuracy gate: smallest embedding cosine to torch fp32 (issue 14: ≥ 0.99).</summary>
    public const double GateCosine = 0.99;

    /// <param name="candidates">the paths the command may use (e.g. only onnx ones under --backend onnx); torch fp32 is measured regardless, as the baseline.</param>
    public static AutoPathChoice Choose(IReadOnlyList<PathMeasurement> measurements, IReadOnlyList<InferencePath>? candidates = null)
    {
        ArgumentNullException.ThrowIfNull(measurements);
        candidates ??= InferencePath.All;
        var towers = measurements.Select(m => m.Tower).Distinct().ToList();
        var baseline = towers.ToDictionary(t => t, t => measurements.FirstOrDefault(m => m.Tower == t && m.Path == InferencePath.TorchFloat32)?.Seconds
            ?? throw new Siglip2Exception($"the calibration has no torch fp32 time for the {t} tower; delete the calibration cache and run again"));
        if (towers.Count == 0) throw new Siglip2Exception("the calibration measured nothing");
        InferencePath? best = null;
        double bestRelative = double.PositiveInfinity;
        double? bestCosine = null;
        var refused = new List<InferencePath>();
        var fallback = candidates.Contains(InferencePath.TorchFloat32) ? InferencePath.TorchFloat32
            : candidates.FirstOrDefault(p => !p.IsReduced, InferencePath.TorchFloat32);
        foreach (var path in InferencePath.All.Where(candidates.Contains).OrderBy(p => p == fallback ? 0 : 1))
        {
            var rows = towers.Select(t => measurements.FirstOrDefault(m => m.Tower == t && m.Path == path)).ToList();
            if (rows.Any(r => r is null || !double.IsFinite(r.Seconds) || r.Seconds <= 0)) continue; // not measured (e.g. failed)
            double? cosine = rows.Any(r => r!.Cosine is null) ? null : rows.Min(r => r!.Cosine);
            if (path.IsReduced && !(cosine >= GateCosine))
            {
                refused.Add(path);
                continue;
            }
            double relative = path == InferencePath.TorchFloat32 ? 1.0 : rows.Average(r => r!.Seconds / baseline[r.Tower]);
            if (path != fallback && best is null) continue; // the fallback was not measured: nothing is safe to compare
            if (relative < bestRelative)
            {
                best = path;
                bestRelative = relative;
                bestCosine = path == InferencePath.TorchFloat32 ? null : cosine;
            }
        }
        if (best is null) throw new Siglip2Exception($"the calibration has no time for {fallback}; delete the calibration cache and run again");
        return new AutoPathChoice(best.Value, 1.0 / bestRelative, bestCosine, refused);
    }
}
