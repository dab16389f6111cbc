using System.Text.Json;

namespace Siglip2.Distributed.Host;

/// <summary>Writes this rank's results as OUTPUT_DIR/rank&lt;r&gt;.json (one JSON object of named values).</summary>
internal sealed class HostOutput(string folder, IProcessGroup group)
{
    private readonly Dictionary<string, object> _values = new()
    {
        ["rank"] = group.Rank,
        ["size"] = group.Size,
        ["libmpiLoaded"] = File.ReadAllText("/proc/self/maps").Contains("libmpi.so"),
    };

    public void Add(string key, object value) => _values[key] = value;

    public void Write()
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, $"rank{group.Rank}.json");
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(_values));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
