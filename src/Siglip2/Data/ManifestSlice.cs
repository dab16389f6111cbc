namespace Siglip2.Data;

/// <summary>
/// Where one slice of a manifest starts: the byte offset of its first line or record, that line's 1-based number,
/// and how many lines (JSONL) or records (CSV) it holds (null: to the end of the file). A manifest is cut into slices
/// of <see cref="Size"/> rows by one pass when the spec is parsed, so its rows are shuffled at that granularity per
/// epoch, like tar shards, instead of only within the shuffle buffer.
/// </summary>
public readonly record struct ManifestSlice(long Offset, long FirstLine, long? Rows)
{
    /// <summary>Rows per slice.</summary>
    public const int Size = 1000;

    /// <summary>The manifest opened at this slice's offset, or null (recorded as an unreadable shard) when it cannot be.</summary>
    public FileStream? Open(string manifestPath, string shardName, DataSkipCounts? skips)
    {
        FileStream? stream = null;
        try
        {
            stream = Configuration.InputFile.OpenRead(manifestPath, "manifest");
            stream.Position = Offset;
            return stream;
        }
        catch (Exception e) when (e is Siglip2Exception or IOException)
        {
            stream?.Dispose();
            skips?.Record(DataSkipReason.UnreadableShard, shardName, e.Message.Split('\n')[0]);
            return null;
        }
    }
}
