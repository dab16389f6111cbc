using CsvHelper;
using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>
/// A CSV manifest (RFC 4180: quoted fields may hold commas, doubled quotes and line breaks) whose header names the
/// columns <c>image</c> (a path relative to the manifest's folder, or absolute), <c>text</c> and optional
/// <c>lang</c>; other columns are ignored. Parsed by CsvHelper rather than by hand: quoting and multi-line fields are
/// where hand-written CSV readers go wrong. A malformed record (bad quoting, a wrong field count) is skipped as
/// <see cref="DataSkipReason.BadRow"/>; a header without <c>image</c> and <c>text</c> is the user's mistake and throws
/// when the shard is created (before any training), naming the columns found.
/// </summary>
public sealed class CsvManifestShard : IImageTextShard
{
    private readonly ImageTextDataLimits _limits;
    private readonly string _folder;

    public CsvManifestShard(string path, ImageTextDataLimits? limits = null)
    {
        Name = path;
        _folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        _limits = limits ?? ImageTextDataLimits.Default;
        using var stream = InputFile.OpenRead(path, "manifest");
        using var csv = CsvReader.Create(stream, Options(null), leaveOpen: true);
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
    }

    public string Name { get; }

    private CsvReaderOptions Options(DataSkipCounts? skips) => new()
    {
        Separator = ',',
        HasHeader = true,
        TrackLineNumbers = true,
        MalformedData = CsvMalformedDataHandling.Skip,
        FieldCountMismatch = CsvFieldCountHandling.Skip,
        // UTF-8 bytes: a row of MaxRowCharacters characters takes at most 3 bytes per character
        MaxRecordSize = (int)Math.Min(int.MaxValue, 3L * _limits.MaxRowCharacters),
        OnMalformedRecord = skips is null ? null : r => skips.Record(DataSkipReason.BadRow, $"{Name}:line {r.LineNumber}", $"malformed CSV: {r.Reason}"),
    };

    public IEnumerable<ImageTextRecord> ReadRecords(DataSkipCounts? skips = null)
    {
        FileStream stream;
        try
        {
            stream = InputFile.OpenRead(Name, "manifest");
        }
        catch (Siglip2Exception e)
        {
            skips?.Record(DataSkipReason.UnreadableShard, Name, e.Message);
            yield break;
        }
        using (stream)
        using (var csv = CsvReader.Create(stream, Options(skips), leaveOpen: true))
        {
            int image = -1, text = -1, lang = -1;
            while (true)
            {
                string? failure = null;
                bool more = false;
                try
                {
                    more = csv.Read();
                    if (more && image < 0)
                    {
                        image = csv.GetFieldIndex("image");
                        text = csv.GetFieldIndex("text");
                        if (!csv.TryGetFieldIndex("lang", out lang)) lang = -1;
                    }
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
                string source = $"{Name}:line {csv.LineNumber}";
                string imagePath = csv.GetString(image);
                string caption = csv.GetString(text);
                string? language = lang >= 0 ? csv.GetString(lang) : null;
                if (imagePath.Length > _limits.MaxRowCharacters)
                {
                    skips?.Record(DataSkipReason.BadRow, source, "the image path is over the row limit");
                    continue;
                }
                if (ManifestRow.Make(_folder, imagePath, caption, language, null, source, _limits, skips) is { } record)
                    yield return record;
            }
        }
    }
}
