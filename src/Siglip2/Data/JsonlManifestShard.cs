using System.Text;
using System.Text.Json;
using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>
/// A JSON Lines manifest: one object per line with <c>image</c> (a path relative to the manifest's folder, or
/// absolute), <c>text</c> (the caption) and optional <c>lang</c>; other fields are kept as the sample's metadata
/// (the whole row). Blank lines are ignored; a line that is not such an object is skipped as
/// <see cref="DataSkipReason.BadRow"/>. Streamed line by line.
/// </summary>
public sealed class JsonlManifestShard : IImageTextShard
{
    private readonly ImageTextDataLimits _limits;
    private readonly string _folder;

    public JsonlManifestShard(string path, ImageTextDataLimits? limits = null)
    {
        Name = path;
        _folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        _limits = limits ?? ImageTextDataLimits.Default;
    }

    public string Name { get; }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

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
        {
            var lines = new BoundedLineReader(stream, _limits.MaxRowCharacters);
            while (true)
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
                string source = $"{Name}:line {lines.LineNumber}";
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
