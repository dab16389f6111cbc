using System.Globalization;

namespace Siglip2.Distributed.Host;

/// <summary>key=value arguments of a scenario, with defaults.</summary>
internal sealed class HostOptions(Dictionary<string, string> values)
{
    public static HostOptions Parse(IEnumerable<string> args) =>
        new(args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : ""));

    public int Int(string key, int fallback) => values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public long Long(string key, long fallback) => values.TryGetValue(key, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public string String(string key, string fallback) => values.TryGetValue(key, out var v) ? v : fallback;
}
