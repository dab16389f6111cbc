using Siglip2.Configuration;

namespace Siglip2.Cli.Infrastructure;

/// <summary>
/// Expands --image arguments: files as given, folders to their image files (sorted by name). Only regular files are
/// accepted — a FIFO or device (given directly, or with an image name inside a folder) is an error, never a hang.
/// </summary>
public static class ImageInputs
{
    public static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"];

    public static List<string> Expand(IEnumerable<string> arguments)
    {
        var result = new List<string>();
        foreach (var arg in arguments)
        {
            switch (InputFile.KindOf(arg))
            {
                case InputFileKind.Directory:
                {
                    var files = Directory.EnumerateFiles(arg)
                        .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                        .OrderBy(f => f, StringComparer.Ordinal).ToList();
                    if (files.Count == 0)
                        throw new Siglip2Exception($"folder {arg} holds no image files ({string.Join(", ", Extensions)})");
                    foreach (var f in files)
                    {
                        var kind = InputFile.KindOf(f);
                        if (kind != InputFileKind.Regular)
                            throw new Siglip2Exception($"image folder {arg} holds '{Path.GetFileName(f)}', a {InputFile.Describe(kind)}, not a regular file; remove it or pass the images one by one");
                    }
                    result.AddRange(files);
                    break;
                }
                case InputFileKind.Regular:
                    result.Add(arg);
                    break;
                case InputFileKind.Missing:
                    throw new Siglip2Exception($"image not found: {arg}");
                default:
                    InputFile.RequireRegular(arg, "image");
                    break;
            }
        }
        return result;
    }
}
