using System.Globalization;

namespace Siglip2.Training;

/// <summary>The per-step CSV logs: rows start with the 1-based step; a resumed run keeps the rows up to its step.</summary>
internal static class StepCsv
{
    /// <summary>The data rows whose step is ≤ <paramref name="step"/> (rows without a step are dropped).</summary>
    public static IEnumerable<string> RowsUpTo(IEnumerable<string> rows, long step)
    {
        foreach (var line in rows)
        {
            int comma = line.IndexOf(',');
            if (comma > 0 && long.TryParse(line.AsSpan(0, comma), NumberStyles.Integer, CultureInfo.InvariantCulture, out long s) && s <= step)
                yield return line;
        }
    }

    /// <summary>
    /// A log file started afresh with <paramref name="header"/> and, for a run resumed after <paramref name="resumeFromStep"/>
    /// steps, the existing file's rows up to that step (rows written after that checkpoint are dropped).
    /// </summary>
    public static StreamWriter Open(string path, string header, long resumeFromStep)
    {
        var kept = resumeFromStep > 0 && File.Exists(path) ? RowsUpTo(File.ReadLines(path).Skip(1), resumeFromStep).ToList() : [];
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        StreamWriter writer;
        try { writer = new StreamWriter(path, append: false); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Siglip2Exception($"cannot write the log {path}: {e.Message}");
        }
        writer.WriteLine(header);
        foreach (var line in kept) writer.WriteLine(line);
        writer.Flush();
        return writer;
    }
}
