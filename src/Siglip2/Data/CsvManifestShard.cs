using CsvHelper;
using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>
/// A slice (<see cref="ManifestSlice"/>) of a UTF-8 CSV manifest (RFC 4180: quoted fields may hold commas, doubled
/// quotes and line breaks) whose header names the columns <c>image</c> (a path relative to the manifest's folder, or
/// absolute), <c>text</c> and optional <c>lang</c>; other columns are ignored. Parsed by CsvHelper rather than by
/// hand: quoting and multi-line fields are where hand-written CSV readers go wrong. A malformed record (bad quoting,
/// a field count other than the header's) is skipped as <see cref="DataSkipReason.BadRow"/>; a header without
/// <c>image</c> and <c>text</c> is the user's mistake and throws from <see cref="Open"/> (before any training),
/// naming the columns found.
/// </summary>
public sealed class CsvManifestShard : IImageTextShard
{
    private readonly ImageTextDataLimits _limits;
    private readonly string _folder;
    private readonly ManifestSlice _slice;
    private readonly Columns _columns;

    private readonly record struct Columns(int Count, int Image, int Text, int Lang);

    private CsvManifestShard(string path, ManifestSlice slice, Columns columns, ImageTextDataLimits limits)
    {
        ManifestPath = path;
        _slice = slice;
        _columns = columns;
        _folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        _limits = limits;
        Name = slice.Rows is { } rows ? $"{path} (line {slice.FirstLine} on, {rows} records)" : $"{path} (line {slice.FirstLine} on)";
    }

    public string Name { get; }

    /// <summary>The manifest file.</summary>
    public string ManifestPath { get; }

    private CsvReaderOptions Options(bool header, DataSkipCounts? skips, long firstLine) => new()
    {
        Separator = ',',
        HasHeader = header,
        TrackLineNumbers = true,
        MalformedData = CsvMalformedDataHandling.Skip,
        // checked against the header's count here: without a header (a slice) CsvHelper would compare with the slice's first record
        FieldCountMismatch = CsvFieldCountHandling.Allow,
        // UTF-8 bytes: a row of MaxRowCharacters characters takes at most 3 bytes per character
        MaxRecordSize = (int)Math.Min(int.MaxValue, 3L * _limits.MaxRowCharacters),
        OnMalformedRecord = skips is null ? null : r => skips.Record(DataSkipReason.BadRow, $"{ManifestPath}:line {r.LineNumber + firstLine - 1}", $"malformed CSV: {r.Reason}"),
    };

    /// <summary>
    /// The manifest cut into slices of <see cref="ManifestSlice.Size"/> records by one pass over the file; a header
    /// without <c>image</c> and <c>text</c>, or a file that cannot be read, is a one-line <see cref="Siglip2Exception"/>.
    /// </summary>
    public static IReadOnlyList<CsvManifestShard> Open(string path, ImageTextDataLimits? limits = null)
    {
        limits ??= ImageTextDataLimits.Default;
        var probe = new CsvManifestShard(path, default, default, limits);
        using var stream = InputFile.OpenRead(path, "manifest");
        using var csv = CsvReader.Create(stream, probe.Options(true, null, 1), leaveOpen: true);
        string[] headers;
        try
        {
            headers = csv.Headers.ToArray();
        }
        catch (CsvFormatException e)
        {
            throw new Siglip2Exception($"manifest '{path}': the header row is not valid CSV ({e.Message.Split('\n')[0]}); the first row must name the columns image,text[,lang]");
        }
        foreach (string column in new[] { "image", "text" })
            if (!csv.TryGetFieldIndex(column, out _))
                throw new Siglip2Exception(
                    $"manifest '{path}' has no '{column}' column (header: {(headers.Length == 0 ? "empty" : string.Join(",", headers))}); the first row must name the columns image,text[,lang]");
        var columns = new Columns(headers.Length, csv.GetFieldIndex("image"), csv.GetFieldIndex("text"), csv.TryGetFieldIndex("lang", out int lang) ? lang : -1);

        var starts = new List<(long Offset, long Line)>();
        long records = 0;
        try
        {
            while (csv.Read())
            {
                if (records++ % ManifestSlice.Size == 0) starts.Add((csv.ByteOffset, csv.LineNumber));
            }
        }
        catch (CsvFormatException)
        {
            // a record too large to buffer: the slice it is in ends the file there (counted when read)
        }
        catch (IOException e)
        {
            throw new Siglip2Exception($"cannot read manifest '{path}': {e.Message.Split('\n')[0]}", e);
        }
        if (starts.Count == 0) starts.Add((stream.Length, 2));
        return starts.Select((s, i) => new CsvManifestShard(path,
            new ManifestSlice(s.Offset, s.Line, i < starts.Count - 1 ? ManifestSlice.Size : null), columns, limits)).ToArray();
    }

    public IEnumerable<ImageTextRecord> ReadRecords(DataSkipCounts? skips = null)
    {
        if (_slice.Open(ManifestPath, Name, skips) is not { } stream) yield break;
        using (stream)
        using (var csv = CsvReader.Create(stream, Options(false, skips, _slice.FirstLine), leaveOpen: true))
        {
            long read = 0;
            while (_slice.Rows is not { } rows || read < rows)
            {
                string? failure = null;
                bool more = false;
                try
                {
                    more = csv.Read();
                }
                catch (Exception e) when (e is CsvFormatException or IOException or InvalidOperationException or ArgumentException)
                {
                    failure = e.Message.Split('\n')[0];
                }
                if (failure is not null)
                {
                    skips?.Record(DataSkipReason.CorruptShard, Name, failure);
                    yield break;
                }
                if (!more) yield break;
                read++;
                string source = $"{ManifestPath}:line {csv.LineNumber + _slice.FirstLine - 1}";
                if (csv.FieldCount != _columns.Count)
                {
                    skips?.Record(DataSkipReason.BadRow, source, $"{csv.FieldCount} fields, the header has {_columns.Count}");
                    continue;
                }
                string imagePath = csv.GetString(_columns.Image);
                string caption = csv.GetString(_columns.Text);
                string? language = _columns.Lang >= 0 ? csv.GetString(_columns.Lang) : null;
                if (ManifestRow.Make(_folder, imagePath, caption, language, null, source, _limits, skips) is { } record)
                    yield return record;
            }
        }
    }
}
