using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>
/// Where the encoded bytes of one sample's image lie: a whole file (<see cref="Length"/> null) or a byte range of a
/// tar shard (the member's data). Recorded while reading metadata, read only by the rank that decodes the sample.
/// </summary>
public readonly record struct ImageLocation(string Path, long Offset, long? Length)
{
    public static ImageLocation File(string path) => new(path, 0, null);

    /// <summary>The encoded bytes; a one-line <see cref="Siglip2Exception"/> naming the file when they cannot be read or exceed <paramref name="maxBytes"/>.</summary>
    public byte[] ReadBytes(long maxBytes)
    {
        if (Length is not { } length) return InputFile.ReadAllBytes(Path, "image", maxBytes);
        if (length > maxBytes) throw InputFile.TooLarge(Path, "image member", length, maxBytes);
        using var stream = InputFile.OpenRead(Path, "tar shard");
        try
        {
            if (Offset < 0 || Offset + length > stream.Length)
                throw new Siglip2Exception($"tar shard '{Path}' ends before the image member at byte {Offset} (length {length}); the shard was truncated or changed while training");
            stream.Position = Offset;
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (IOException e)
        {
            throw new Siglip2Exception($"cannot read the image member at byte {Offset} of tar shard '{Path}': {e.Message.Split('\n')[0]}", e);
        }
    }

    public override string ToString() => Length is null ? Path : $"{Path}@{Offset}+{Length}";
}
