using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>
/// One WebDataset tar shard as img2dataset writes it: consecutive members sharing a key (<see cref="WebDatasetMemberName"/>)
/// form a sample — <c>key.jpg|jpeg|png|webp</c>, <c>key.txt</c> (the caption), optional <c>key.json</c> (metadata,
/// its <c>lang</c>/<c>language</c> string is the caption's language). Read with System.Formats.Tar front to back;
/// image members are not read, only their byte range recorded (<see cref="ImageLocation"/>). A shard that is corrupt
/// from some member on keeps the samples before it and counts one <see cref="DataSkipReason.CorruptShard"/>.
/// </summary>
public sealed class WebDatasetShard : IImageTextShard
{
    private readonly ImageTextDataLimits _limits;

    public WebDatasetShard(string path, ImageTextDataLimits? limits = null)
    {
        Name = path;
        _limits = limits ?? ImageTextDataLimits.Default;
    }

    public string Name { get; }

    private sealed class Group(string key)
    {
        public string Key { get; } = key;
        public ImageLocation? Image;
        public string? ImageProblem;
        public string? Text;
        public DataSkipReason? TextProblem;
        public string TextDetail = "";
        public bool HasText;
        public string? Metadata;
        public string? Language;
        public string? MetadataProblem;
    }

    public IEnumerable<ImageTextRecord> ReadRecords(DataSkipCounts? skips = null)
    {
        FileStream stream;
        try
        {
            stream = InputFile.OpenRead(Name, "tar shard");
        }
        catch (Siglip2Exception e)
        {
            skips?.Record(DataSkipReason.UnreadableShard, Name, e.Message);
            yield break;
        }
        using (stream)
        using (var reader = new TarReader(stream, leaveOpen: true))
        {
            Group? group = null;
            while (true)
            {
                var (entry, problem) = Next(reader, stream);
                if (problem is not null) skips?.Record(DataSkipReason.CorruptShard, Name, problem);
                if (entry is null) break;
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                if (WebDatasetMemberName.Split(entry.Name) is not var (key, field)) continue;
                if (group is not null && group.Key != key)
                {
                    if (Finish(group, skips) is { } record) yield return record;
                    group = null;
                }
                group ??= new Group(key);
                string? failure = Add(group, entry, field);
                if (failure is not null)
                {
                    skips?.Record(DataSkipReason.CorruptShard, Name, failure);
                    group = null;
                    break;
                }
            }
            if (group is not null && Finish(group, skips) is { } last) yield return last;
        }
    }

    /// <summary>The next entry, or (null, why) when the archive is corrupt from here on; (null, null) at its end.</summary>
    private static (TarEntry? Entry, string? Problem) Next(TarReader reader, FileStream stream)
    {
        try
        {
            var entry = reader.GetNextEntry(copyData: false);
            if (entry is not null && entry.DataOffset >= 0 && entry.DataOffset + entry.Length > stream.Length)
                return (null, $"truncated: member '{entry.Name}' needs {entry.Length:N0} bytes at {entry.DataOffset:N0}, the file has {stream.Length:N0}");
            return (entry, null);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or IOException or ArgumentException or OverflowException or InvalidOperationException)
        {
            return (null, $"not a readable tar from byte {SafePosition(stream):N0} on ({e.Message.Split('\n')[0]})");
        }
    }

    private static long SafePosition(FileStream stream)
    {
        try { return stream.Position; } catch (IOException) { return -1; }
    }

    /// <summary>Adds one member to its group; returns why the archive cannot be read on, else null.</summary>
    private string? Add(Group group, TarEntry entry, string field)
    {
        string type = WebDatasetMemberName.TypeOf(field);
        if (WebDatasetMemberName.IsImage(field))
        {
            if (group.Image is not null || group.ImageProblem is not null) return null; // first image of a key wins
            if (entry.Length > _limits.MaxImageBytes)
                group.ImageProblem = $"member '{entry.Name}' is {InputFile.FormatBytes(entry.Length)}, over the {InputFile.FormatBytes(_limits.MaxImageBytes)} limit";
            else if (entry.DataOffset < 0)
                group.ImageProblem = "the shard is not seekable";
            else
                group.Image = new ImageLocation(Name, entry.DataOffset, entry.Length);
            return null;
        }
        if (type == "txt" && !group.HasText)
        {
            group.HasText = true;
            if (entry.Length > _limits.MaxTextBytes)
            {
                group.TextProblem = DataSkipReason.TextTooLong;
                group.TextDetail = $"member '{entry.Name}' is {entry.Length:N0} bytes";
                return null;
            }
            if (ReadMember(entry) is not { } bytes) return $"member '{entry.Name}' ends early";
            (group.Text, group.TextProblem, group.TextDetail) = CaptionCheck.FromUtf8(bytes, _limits);
            return null;
        }
        if (type == "json" && group.Metadata is null && group.MetadataProblem is null)
        {
            if (entry.Length > _limits.MaxMetadataBytes)
            {
                group.MetadataProblem = $"member '{entry.Name}' is {InputFile.FormatBytes(entry.Length)}, over the {InputFile.FormatBytes(_limits.MaxMetadataBytes)} metadata limit";
                return null;
            }
            if (ReadMember(entry) is not { } bytes) return $"member '{entry.Name}' ends early";
            ReadMetadata(group, bytes, entry.Name);
        }
        return null;
    }

    private static byte[]? ReadMember(TarEntry entry)
    {
        var bytes = new byte[entry.Length];
        if (entry.Length == 0) return bytes;
        try
        {
            if (entry.DataStream is not { } data) return null;
            data.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return null;
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private static void ReadMetadata(Group group, byte[] bytes, string member)
    {
        try
        {
            string json = StrictUtf8.GetString(bytes);
            using var doc = StrictJson.ParseDocument(json, member);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                group.MetadataProblem = $"member '{member}' is JSON {doc.RootElement.ValueKind}, not an object";
                return;
            }
            group.Metadata = json;
            foreach (string name in new[] { "lang", "language" })
                if (doc.RootElement.TryGetProperty(name, out var lang) && lang.ValueKind == JsonValueKind.String && lang.GetString() is { Length: > 0 } code)
                {
                    group.Language = code;
                    break;
                }
        }
        catch (Exception e) when (e is DecoderFallbackException or Siglip2Exception)
        {
            group.MetadataProblem = e.Message.Split('\n')[0];
        }
    }

    private ImageTextRecord? Finish(Group group, DataSkipCounts? skips)
    {
        string source = $"{Name}:{group.Key}";
        if (group.ImageProblem is not null)
        {
            skips?.Record(DataSkipReason.ImageTooLarge, source, group.ImageProblem);
            return null;
        }
        if (group.Image is not { } image)
        {
            skips?.Record(DataSkipReason.MissingImage, source, "no .jpg/.jpeg/.png/.webp member with this key");
            return null;
        }
        if (!group.HasText)
        {
            skips?.Record(DataSkipReason.MissingCaption, source, "no .txt member with this key");
            return null;
        }
        if (group.TextProblem is { } reason)
        {
            skips?.Record(reason, source, group.TextDetail);
            return null;
        }
        if (group.MetadataProblem is not null)
        {
            skips?.Record(DataSkipReason.InvalidText, source, group.MetadataProblem);
            return null;
        }
        return new ImageTextRecord(group.Key, image, group.Text!, group.Language, group.Metadata, source);
    }
}
