using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>
/// The image of a manifest row or a folder entry: a path relative to the manifest's folder (or absolute), checked
/// while reading metadata to be an existing regular file within the size limit, so that unreadable paths are left
/// out before the global sample order is fixed.
/// </summary>
public static class ManifestImagePath
{
    /// <summary>The full path, or the reason the image is unusable.</summary>
    public static (string? Path, DataSkipReason? Reason, string Detail) Resolve(string folder, string image, ImageTextDataLimits limits)
    {
        if (image.Length == 0 || image.Contains('\0')) return (null, DataSkipReason.BadRow, "the image path is empty");
        string path;
        try
        {
            path = Path.GetFullPath(Path.Combine(folder, image));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return (null, DataSkipReason.UnreadableImage, $"'{image}' is not a valid path");
        }
        var kind = InputFile.KindOf(path);
        if (kind != InputFileKind.Regular)
            return (null, DataSkipReason.UnreadableImage, kind == InputFileKind.Missing ? $"'{path}' does not exist" : $"'{path}' is a {InputFile.Describe(kind)}");
        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, DataSkipReason.UnreadableImage, e.Message.Split('\n')[0]);
        }
        if (length > limits.MaxImageBytes)
            return (null, DataSkipReason.ImageTooLarge, $"'{path}' is {InputFile.FormatBytes(length)}, over the {InputFile.FormatBytes(limits.MaxImageBytes)} limit");
        if (length == 0) return (null, DataSkipReason.UnreadableImage, $"'{path}' is empty");
        return (path, null, "");
    }

    /// <summary>The key of an image path: relative to <paramref name="folder"/>, '/'-separated, without its extension.</summary>
    public static string KeyOf(string folder, string path)
    {
        string relative = Path.GetRelativePath(folder, path).Replace('\\', '/');
        string ext = Path.GetExtension(relative);
        return ext.Length > 0 ? relative[..^ext.Length] : relative;
    }
}
