using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Siglip2.Configuration;

namespace Siglip2.Tasks.Benchmarking;

/// <summary>
/// The calibration cache of `--dtype auto`: one small JSON file per (CPU model and core count, checkpoint, tower, batch
/// class) holding the measured times and gate cosines of every path, so a later run chooses without measuring. The
/// checkpoint is keyed as the ONNX graph cache keys it (config.json's hash and every weight file's name, size and
/// time), with the settings that change the inputs (max_num_patches, text length). The folder:
/// <c>$SIGLIP2_AUTO_CACHE</c>, else <c>$XDG_CACHE_HOME/siglip2/auto</c>, else <c>~/.cache/siglip2/auto</c> (beside the
/// ONNX graphs). Delete it to calibrate again (e.g. after a change of the machine's load that matters to you).
/// </summary>
public sealed class AutoPathCache(string root)
{
    public string Root { get; } = root;

    public static string DefaultRoot()
    {
        if (Environment.GetEnvironmentVariable("SIGLIP2_AUTO_CACHE") is { Length: > 0 } explicitRoot) return explicitRoot;
        string xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x
            ? x : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(xdg, "siglip2", "auto");
    }

    /// <summary>The machine part of the key: the CPU model and the logical core count.</summary>
    public static string MachineKey() => $"{MachineInfo.Current().CpuModel} / {Environment.ProcessorCount} cores";

    /// <summary>The file of one (machine, checkpoint, tower, batch class).</summary>
    public string FileFor(string machine, string checkpointKey, string tower, int batchClass)
    {
        string text = $"{machine}\n{checkpointKey}\n{tower}\n{batchClass}";
        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant()[..24];
        return Path.Combine(Root, $"{tower}-b{batchClass}-{hash}.json");
    }

    private sealed record Entry(string Machine, string Checkpoint, string Tower, int BatchClass, string[] Paths, double[] Seconds, double?[] Cosines);

    /// <summary>The cached measurements, or null when there are none (or the file is unreadable: then it is measured again).</summary>
    public IReadOnlyList<PathMeasurement>? Read(string machine, string checkpointKey, string tower, int batchClass)
    {
        string file = FileFor(machine, checkpointKey, tower, batchClass);
        if (!File.Exists(file)) return null;
        try
        {
            var e = JsonSerializer.Deserialize<Entry>(File.ReadAllText(file));
            if (e is null || e.Machine != machine || e.Checkpoint != checkpointKey || e.Tower != tower || e.BatchClass != batchClass) return null;
            var rows = new List<PathMeasurement>();
            for (int i = 0; i < e.Paths.Length; i++)
                if (InferencePath.Parse(e.Paths[i]) is { } p) rows.Add(new PathMeasurement(p, tower, e.Seconds[i], e.Cosines[i]));
            return rows.Any(r => r.Path == InferencePath.TorchFloat32) ? rows : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or IndexOutOfRangeException or NullReferenceException) { return null; }
    }

    public void Write(string machine, string checkpointKey, string tower, int batchClass, IReadOnlyList<PathMeasurement> rows)
    {
        string file = FileFor(machine, checkpointKey, tower, batchClass);
        AtomicFile.EnsureFolder(Root, file);
        var entry = new Entry(machine, checkpointKey, tower, batchClass, rows.Select(r => r.Path.ToString()).ToArray(),
            rows.Select(r => double.IsFinite(r.Seconds) ? r.Seconds : -1).ToArray(), rows.Select(r => r.Cosine).ToArray());
        AtomicFile.WriteAllText(file, JsonSerializer.Serialize(entry, new JsonSerializerOptions { WriteIndented = true }));
    }
}
