namespace Siglip2.Data;

/// <summary>
/// The samples left out of an image–text dataset, counted by <see cref="DataSkipReason"/>, each sample once (by its
/// source location, so a shard read again after a resume or in a later epoch is not counted twice), with the first
/// few locations and causes kept for the log. Thread-safe: decode workers record into it concurrently.
/// </summary>
public sealed class DataSkipCounts
{
    /// <summary>How many skipped samples keep their location and cause in <see cref="Examples"/>.</summary>
    public const int MaxExamples = 20;

    private readonly object _gate = new();
    private readonly long[] _counts = new long[Enum.GetValues<DataSkipReason>().Length];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<string> _examples = [];

    /// <summary>Records that the sample at <paramref name="source"/> was skipped; false when it had been counted already.</summary>
    public bool Record(DataSkipReason reason, string source, string detail)
    {
        lock (_gate)
        {
            if (!_seen.Add(reason + "\0" + source)) return false;
            _counts[(int)reason]++;
            if (_examples.Count < MaxExamples) _examples.Add($"{source}: {ReasonText(reason)} ({detail})");
            return true;
        }
    }

    public long this[DataSkipReason reason]
    {
        get { lock (_gate) return _counts[(int)reason]; }
    }

    public long Total
    {
        get { lock (_gate) return _counts.Sum(); }
    }

    /// <summary>"location: reason (cause)" of the first <see cref="MaxExamples"/> skips, in the order they were found.</summary>
    public IReadOnlyList<string> Examples
    {
        get { lock (_gate) return _examples.ToArray(); }
    }

    /// <summary>The non-zero counts by reason.</summary>
    public IReadOnlyDictionary<DataSkipReason, long> ByReason
    {
        get
        {
            lock (_gate)
                return Enum.GetValues<DataSkipReason>().Where(r => _counts[(int)r] > 0).ToDictionary(r => r, r => _counts[(int)r]);
        }
    }

    /// <summary>One line for the log: "skipped 3 samples: 2 missing caption, 1 corrupt image; first: …", or "no samples skipped".</summary>
    public string Summary()
    {
        lock (_gate)
        {
            long total = _counts.Sum();
            if (total == 0) return "no samples skipped";
            var parts = Enum.GetValues<DataSkipReason>().Where(r => _counts[(int)r] > 0).Select(r => $"{_counts[(int)r]} {ReasonText(r)}");
            return $"skipped {total} sample{(total == 1 ? "" : "s")}: {string.Join(", ", parts)}; first: {_examples[0]}";
        }
    }

    public static string ReasonText(DataSkipReason reason) => reason switch
    {
        DataSkipReason.UnreadableShard => "unreadable shard",
        DataSkipReason.CorruptShard => "corrupt shard",
        DataSkipReason.BadRow => "bad manifest row",
        DataSkipReason.MissingCaption => "missing caption",
        DataSkipReason.MissingImage => "missing image",
        DataSkipReason.UnreadableImage => "unreadable image",
        DataSkipReason.ImageTooLarge => "image too large",
        DataSkipReason.EmptyText => "empty caption",
        DataSkipReason.TextTooLong => "caption too long",
        DataSkipReason.InvalidText => "invalid text",
        DataSkipReason.CorruptImage => "corrupt image",
        _ => reason.ToString(),
    };
}
