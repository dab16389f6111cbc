using System.Globalization;

namespace Siglip2.Cli.Infrastructure;

/// <summary>The options of one command, parsed against its declared option names.</summary>
public sealed class ParsedArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = [];

    /// <param name="args">the arguments after the command name.</param>
    /// <param name="valueOptions">options that take a value (repeatable), e.g. "--model".</param>
    /// <param name="flagOptions">options without a value, e.g. "--json".</param>
    public static ParsedArguments Parse(IReadOnlyList<string> args, IEnumerable<string> valueOptions, IEnumerable<string> flagOptions)
    {
        var values = new HashSet<string>(valueOptions, StringComparer.Ordinal);
        var flags = new HashSet<string>(flagOptions, StringComparer.Ordinal);
        var result = new ParsedArguments();
        bool onlyPositionals = false;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (onlyPositionals || !a.StartsWith("--", StringComparison.Ordinal) || a == "-")
            {
                result.Positionals.Add(a);
                continue;
            }
            if (a == "--") { onlyPositionals = true; continue; }
            string name = a;
            string? value = null;
            int eq = a.IndexOf('=');
            if (eq > 0) { name = a[..eq]; value = a[(eq + 1)..]; }
            if (flags.Contains(name))
            {
                if (value != null) throw new UsageException($"option {name} takes no value");
                result._flags.Add(name);
            }
            else if (values.Contains(name))
            {
                if (value == null)
                {
                    if (i + 1 >= args.Count) throw new UsageException($"option {name} needs a value");
                    value = args[++i];
                }
                if (!result._values.TryGetValue(name, out var list)) result._values[name] = list = [];
                list.Add(value);
            }
            else
            {
                var known = values.Concat(flags).OrderBy(s => s).ToList();
                string? close = known.FirstOrDefault(k => k.StartsWith(name, StringComparison.Ordinal) || name.StartsWith(k, StringComparison.Ordinal));
                throw new UsageException($"unknown option {name}" + (close != null ? $" (did you mean {close}?)" : $" (options: {string.Join(" ", known)})"));
            }
        }
        return result;
    }

    public bool Flag(string name) => _flags.Contains(name);

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var l) ? l : [];

    public string? Optional(string name) => _values.TryGetValue(name, out var l) ? l[^1] : null;

    public string Required(string name, string hint) =>
        Optional(name) ?? throw new UsageException($"missing {name} ({hint})");

    public int Int(string name, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        var s = Optional(name);
        if (s == null) return defaultValue;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new UsageException($"{name} must be an integer in [{min}, {max}], got '{s}'");
        return v;
    }

    public long Long(string name, long defaultValue)
    {
        var s = Optional(name);
        if (s == null) return defaultValue;
        if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v))
            throw new UsageException($"{name} must be an integer, got '{s}'");
        return v;
    }

    public double? Double(string name, double min = double.NegativeInfinity)
    {
        var s = Optional(name);
        if (s == null) return null;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || double.IsNaN(v) || v < min)
            throw new UsageException($"{name} must be a number ≥ {min}, got '{s}'");
        return v;
    }

    /// <summary>A comma-separated list of integers in [<paramref name="min"/>, <paramref name="max"/>], or null when the option is absent.</summary>
    public IReadOnlyList<int>? IntList(string name, int min = int.MinValue, int max = int.MaxValue, string example = "8,16,24,36")
    {
        var s = Optional(name);
        if (s == null) return null;
        var values = new List<int>();
        foreach (var part in s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
                throw new UsageException($"{name} must be a comma-separated list of integers in [{min}, {max}] (e.g. {example}), got '{s}'");
            values.Add(v);
        }
        if (values.Count == 0) throw new UsageException($"{name} is empty (e.g. {example})");
        return values;
    }

    public T Choice<T>(string name, IReadOnlyDictionary<string, T> choices, T defaultValue)
    {
        var s = Optional(name);
        if (s == null) return defaultValue;
        if (choices.TryGetValue(s.ToLowerInvariant(), out var v)) return v;
        throw new UsageException($"{name} must be one of {string.Join(", ", choices.Keys)}, got '{s}'");
    }
}
