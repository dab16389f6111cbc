namespace Siglip2.Cli.Infrastructure;

/// <summary>Expands --image arguments: files as given, folders to their image files (sorted by name).</summary>
public static class ImageInputs
{
    public static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"];

    public static List<string> Expand(IEnumerable<string> arguments)
    {
        var result = new List<string>();
        foreach (var arg in arguments)
        {
            if (Directory.Exists(arg))
            {
                var files = Directory.EnumerateFiles(arg)
                    .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                    .OrderBy(f => f, StringComparer.Ordinal).ToList();
                if (files.Count == 0)
                    throw new Siglip2Exception($"folder {arg} holds no image files ({string.Join(", ", Extensions)})");
                result.AddRange(files);
            }
            else if (File.Exists(arg)) result.Add(arg);
            else throw new Siglip2Exception($"image not found: {arg}");
        }
        return result;
    }
}
