using Siglip2.Onnx;

namespace Siglip2.Tasks.Benchmarking;

/// <summary>
/// `--dtype auto`: the fastest allowed path for a checkpoint, the towers a command uses and its batch class on this
/// machine — from the calibration cache when every tower is in it, else measured now (<see cref="AutoPathCalibration"/>)
/// and cached — chosen by <see cref="AutoPathChooser"/>.
/// </summary>
public static class AutoPath
{
    public sealed record Resolution(AutoPathChoice Choice, bool Cached, IReadOnlyList<PathMeasurement> Measurements);

    /// <param name="towers">"image" and/or "text".</param>
    /// <param name="candidates">the paths allowed (null = all four).</param>
    public static Resolution Resolve(string folder, IReadOnlyList<string> towers, int batchSize, IReadOnlyList<InferencePath>? candidates = null,
        EmbeddingPipelineOptions? options = null, string? onnxCache = null, AutoPathCache? cache = null, IProgress<string>? progress = null)
    {
        if (towers.Count == 0) throw new Siglip2Exception("--dtype auto needs a tower to calibrate (image or text)");
        cache ??= new AutoPathCache(AutoPathCache.DefaultRoot());
        int batchClass = AutoPathCalibration.BatchClass(batchSize);
        string machine = AutoPathCache.MachineKey();
        string checkpoint = $"{OnnxEmbedder.CacheKey(folder, OnnxPrecision.Float32)} patches={options?.MaxNumPatches} length={options?.Text?.Length}";
        var rows = new List<PathMeasurement>();
        var missing = new List<string>();
        foreach (var tower in towers)
        {
            if (cache.Read(machine, checkpoint, tower, batchClass) is { } cached) rows.AddRange(cached);
            else missing.Add(tower);
        }
        if (missing.Count > 0)
        {
            var measured = AutoPathCalibration.Measure(folder, missing, batchClass, options, onnxCache, progress);
            foreach (var tower in missing) cache.Write(machine, checkpoint, tower, batchClass, measured.Where(m => m.Tower == tower).ToList());
            rows.AddRange(measured);
        }
        return new Resolution(AutoPathChooser.Choose(rows, candidates), missing.Count == 0, rows);
    }
}
