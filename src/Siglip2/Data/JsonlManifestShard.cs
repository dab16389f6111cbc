using System.Text;
using System.Text.Json;
using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>
/// A slice (<see cref="ManifestSlice"/>) of a JSON Lines manifest: one object per line with <c>image</c> (a path
/// relative to the manifest's folder, or absolute), <c>text</c> (the caption) and optional <c>lang</c>; the whole row
/// is kept as the sample's metadata. Blank lines are ignored; a line that is not such an object is skipped as
/// <see cref="DataSkipReason.BadRow"/>. Streamed line by line, every line bounded.
/// </summary>
public sealed class JsonlManifestShard : IImageTextShard
{
    private readonly ImageTextDataLimits _limits;
    private readonly string _folder;
    private readonly ManifestSlice _slice;

    private JsonlManifestShard(string path, ManifestSlice slice, ImageTextDataLimits limits)
    {
        ManifestPath = path;
        _slice = slice;
        _folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        _limits = limits;
        Name = slice.Rows is { } rows ? $"{path} (lines {slice.FirstLine}–{slice.FirstLine + rows - 1})" : $"{path} (lines {slice.FirstLine}–end)";
    }

    /// <summary>The whole manifest as one shard.</summary>
    public JsonlManifestShard(string path, ImageTextDataLimits? limits = null)
        : this(path, new ManifestSlice(0, 1, null), limits ?? ImageTextDataLimits.Default)
    {
    }

    public string Name { get; }

    /// <summary>The manifest file.</summary>
    public string ManifestPath { get; }

    /// <summary>
    /// The manifest cut into slices of <see cref="ManifestSlice.Size"/> lines, found by one pass over the file
    /// (a one-line <see cref="Siglip2Exception"/> if it cannot be read at all).
    /// </summary>
    public static IReadOnlyList<JsonlManifestShard> Open(string path, ImageTextDataLimits? limits = null)
    {
        limits ??= ImageTextDataLimits.Default;
        var slices = new List<JsonlManifestShard>();
        using var stream = InputFile.OpenRead(path, "manifest");
        var lines = new BoundedLineReader(stream, limits.MaxRowCharacters);
        long start = 0;
        try
        {
            while (lines.ReadLine(out _) is not null)
            {
                if (lines.LineNumber % ManifestSlice.Size != 0) continue;
                slices.Add(new JsonlManifestShard(path, new ManifestSlice(start, lines.LineNumber - ManifestSlice.Size + 1, ManifestSlice.Size), limits));
                start = lines.BytesConsumed;
            }
        }
        catch (IOException e)
        {
            throw new Siglip2Exception($"cannot read manifest '{path}': {e.Message.Split('\n')[0]}", e);
        }
        long firstLine = slices.Count * (long)ManifestSlice.Size + 1;
        if (lines.LineNumber >= firstLine || slices.Count == 0)
            slices.Add(new JsonlManifestShard(path, new ManifestSlice(start, firstLine, null), limits));
        return slices;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public IEnumerable<ImageTextRecord> ReadRecords(DataSkipCounts? skips = null)
    {
        if (_slice.Open(ManifestPath, Name, skips) is not { } stream) yield break;
        using (stream)
        {
            var lines = new BoundedLineReader(stream, _limits.MaxRowCharacters, _slice.FirstLine);
            while (_slice.Rows is not { } rows || lines.LineNumber - _slice.FirstLine + 1 < rows)
            {
                byte[]? line;
                string? failure = null;
                try
                {
                    line = lines.ReadLine(out bool tooLong);
                    if (tooLong) failure = $"the line is over the {_limits.MaxRowCharacters:N0}-byte row limit";
                }
                catch (IOException e)
                {
                    skips?.Record(DataSkipReason.CorruptShard, Name, e.Message.Split('\n')[0]);
                    yield break;
                }
                if (line is null) yield break;
                string source = $"{ManifestPath}:line {lines.LineNumber}";
                if (failure is not null)
                {
                    skips?.Record(DataSkipReason.BadRow, source, failure);
                    continue;
                }
                if (line.AsSpan().Trim(" \t"u8).IsEmpty) continue;
                if (Parse(line, source, skips) is { } record) yield return record;
            }
        }
    }

    private ImageTextRecord? Parse(byte[] line, string source, DataSkipCounts? skips)
    {
        string json;
        try
        {
            json = StrictUtf8.GetString(line.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? line.AsSpan(3) : line);
        }
        catch (DecoderFallbackException e)
        {
            skips?.Record(DataSkipReason.InvalidText, source, $"not UTF-8 at byte {e.Index}");
            return null;
        }
        string? image, text, lang = null;
        try
        {
            using var doc = StrictJson.ParseDocument(json, source);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                skips?.Record(DataSkipReason.BadRow, source, $"a JSON {root.ValueKind}, not an object");
                return null;
            }
            image = StringField(root, "image");
            text = StringField(root, "text");
            if (root.TryGetProperty("lang", out var l) && l.ValueKind == JsonValueKind.String) lang = l.GetString();
        }
        catch (Siglip2Exception e)
        {
            skips?.Record(DataSkipReason.BadRow, source, e.Message);
            return null;
        }
        if (image is null)
        {
            skips?.Record(DataSkipReason.BadRow, source, "no string field \"image\"");
            return null;
        }
        return ManifestRow.Make(_folder, image, text, lang, json, source, _limits, skips);
    }

    private static string? StringField(JsonElement row, string name) =>
        row.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
