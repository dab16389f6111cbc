using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>
/// A slice of a folder of images with sidecar captions: <c>a/b.jpg</c> (or .jpeg, .png, .webp) goes with
/// <c>a/b.txt</c>, found recursively. <see cref="Open"/> lists the folder once (sorted by ordinal path, so the order
/// does not depend on the file system) and cuts the list into slices of <see cref="SliceSize"/> images, which are
/// the shards whose order is shuffled per epoch. An image without its <c>.txt</c> is skipped as
/// <see cref="DataSkipReason.MissingCaption"/>.
/// </summary>
public sealed class CaptionedFolderShard : IImageTextShard
{
    /// <summary>Images per slice (a folder is shuffled at this granularity, then by the shuffle buffer).</summary>
    public const int SliceSize = 1000;

    private readonly string _folder;
    private readonly string[] _images;
    private readonly ImageTextDataLimits _limits;

    private CaptionedFolderShard(string folder, string[] images, int index, ImageTextDataLimits limits)
    {
        _folder = folder;
        _images = images;
        _limits = limits;
        Name = $"{folder} (images {index * SliceSize + 1}–{index * SliceSize + images.Length})";
    }

    public string Name { get; }

    /// <summary>The image files under <paramref name="folder"/> (recursively), sorted, with their captions checked lazily.</summary>
    public static IReadOnlyList<CaptionedFolderShard> Open(string folder, ImageTextDataLimits? limits = null)
    {
        limits ??= ImageTextDataLimits.Default;
        string root = Path.GetFullPath(folder);
        string[] images;
        try
        {
            images = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden })
                .Where(p => WebDatasetMemberName.ImageExtensions.Contains(Path.GetExtension(p).TrimStart('.').ToLowerInvariant()))
                .Order(StringComparer.Ordinal)
                .ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Siglip2Exception($"cannot list the image folder '{folder}': {e.Message.Split('\n')[0]}", e);
        }
        return images.Chunk(SliceSize).Select((chunk, i) => new CaptionedFolderShard(root, chunk, i, limits)).ToArray();
    }

    public IEnumerable<ImageTextRecord> ReadRecords(DataSkipCounts? skips = null)
    {
        foreach (string image in _images)
        {
            string source = image;
            string captionPath = Path.ChangeExtension(image, ".txt");
            if (InputFile.KindOf(captionPath) != InputFileKind.Regular)
            {
                skips?.Record(DataSkipReason.MissingCaption, source, $"no caption file '{Path.GetFileName(captionPath)}' beside it");
                continue;
            }
            byte[]? bytes = null;
            string? problem = null;
            try
            {
                long length = new FileInfo(captionPath).Length;
                if (length > _limits.MaxTextBytes) problem = $"'{Path.GetFileName(captionPath)}' is {length:N0} bytes";
                else bytes = InputFile.ReadAllBytes(captionPath, "caption", _limits.MaxTextBytes);
            }
            catch (Exception e) when (e is Siglip2Exception or IOException or UnauthorizedAccessException)
            {
                skips?.Record(DataSkipReason.MissingCaption, source, e.Message.Split('\n')[0]);
                continue;
            }
            if (bytes is null)
            {
                skips?.Record(DataSkipReason.TextTooLong, source, problem!);
                continue;
            }
            var (text, reason, detail) = CaptionCheck.FromUtf8(bytes, _limits);
            if (reason is { } r)
            {
                skips?.Record(r, source, detail);
                continue;
            }
            var (path, imageReason, imageDetail) = ManifestImagePath.Resolve(_folder, image, _limits);
            if (imageReason is { } ir)
            {
                skips?.Record(ir, source, imageDetail);
                continue;
            }
            yield return new ImageTextRecord(ManifestImagePath.KeyOf(_folder, path!), ImageLocation.File(path!), text!, null, null, source);
        }
    }
}
