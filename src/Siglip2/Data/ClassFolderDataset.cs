using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>One image file of a class-folder dataset and the index of its class.</summary>
public sealed record LabeledImageFile(string Path, int Label);

/// <summary>
/// An ImageNet-style class-folder tree, <c>root/&lt;class&gt;/…/*.jpg</c> (the layout of torchvision's ImageFolder and of
/// ImageNet-1k val sorted into synset folders): one class per sub-folder of the root, in ordinal order of the folder
/// names; every image file below a class folder (recursively, by extension) belongs to it. The class names used in the
/// prompts come from an optional class-names file, else from the folder names (<c>_</c> read as a space).
/// </summary>
public sealed class ClassFolderDataset
{
    /// <summary>File extensions read as images (the formats the decoder supports); other files are ignored.</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"];

    /// <summary>A class-names file is a few KiB for ImageNet's 1000 classes.</summary>
    private const long ClassNamesFileBytes = 16L << 20;

    public string Root { get; }
    /// <summary>The class folders' names, sorted (class index = position).</summary>
    public IReadOnlyList<string> Folders { get; }
    /// <summary>The names the prompts use, by class index.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>Every image file, class by class, each class's files in ordinal path order.</summary>
    public IReadOnlyList<LabeledImageFile> Images { get; }

    private ClassFolderDataset(string root, IReadOnlyList<string> folders, IReadOnlyList<string> names, IReadOnlyList<LabeledImageFile> images)
    {
        Root = root; Folders = folders; ClassNames = names; Images = images;
    }

    /// <summary>Reads the tree under <paramref name="root"/>; <paramref name="classNamesFile"/>: see <see cref="ReadClassNames"/>.</summary>
    public static ClassFolderDataset Load(string root, string? classNamesFile = null)
    {
        if (!Directory.Exists(root))
            throw new Siglip2Exception($"class-folder root not found: {root} (give a folder holding one sub-folder of images per class)");
        var folders = Directory.EnumerateDirectories(root)
            .Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.'))
            .OrderBy(n => n, StringComparer.Ordinal).ToList();
        if (folders.Count < 2)
            throw new Siglip2Exception($"{root} has {folders.Count} class folder(s); zero-shot classification needs at least two (root/<class>/*.jpg)");
        var images = new List<LabeledImageFile>();
        for (int c = 0; c < folders.Count; c++)
        {
            var files = Directory.EnumerateFiles(Path.Combine(root, folders[c]), "*", SearchOption.AllDirectories)
                .Where(IsImageFile).OrderBy(p => p, StringComparer.Ordinal);
            images.AddRange(files.Select(p => new LabeledImageFile(p, c)));
        }
        if (images.Count == 0)
            throw new Siglip2Exception($"no image files ({string.Join(" ", ImageExtensions)}) in the class folders of {root}");
        var names = classNamesFile is null
            ? folders.Select(f => f.Replace('_', ' ')).ToList()
            : ReadClassNames(classNamesFile, folders);
        return new ClassFolderDataset(root, folders, names, images);
    }

    public static bool IsImageFile(string path) =>
        ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant()) && !Path.GetFileName(path).StartsWith('.');

    /// <summary>
    /// The class names of <paramref name="folders"/> from a UTF-8 file in one of two forms: one name per line in sorted
    /// folder order (exactly one line per folder), or <c>folder&lt;TAB&gt;name</c> lines (every folder listed; lines for
    /// folders that are not there are ignored, so one 1000-class file serves a subset). Blank lines are skipped.
    /// </summary>
    public static IReadOnlyList<string> ReadClassNames(string path, IReadOnlyList<string> folders)
    {
        string text = InputFile.ReadAllText(path, "class-names file", ClassNamesFileBytes);
        var lines = text.Split('\n').Select((l, i) => (Text: l.TrimEnd('\r'), Number: i + 1))
            .Where(l => !string.IsNullOrWhiteSpace(l.Text)).ToList();
        if (lines.Count == 0) throw new Siglip2Exception($"class-names file {path} is empty");
        if (!lines[0].Text.Contains('\t'))
        {
            if (lines.Count != folders.Count)
                throw new Siglip2Exception(
                    $"class-names file {path} has {lines.Count} names but there are {folders.Count} class folders; give one name per folder in sorted folder order, or folder<TAB>name lines");
            return lines.Select(l => l.Text.Trim()).ToList();
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (line, number) in lines)
        {
            int tab = line.IndexOf('\t');
            string folder = tab < 0 ? "" : line[..tab].Trim(), name = tab < 0 ? "" : line[(tab + 1)..].Trim();
            if (folder.Length == 0 || name.Length == 0)
                throw new Siglip2Exception($"class-names file {path}, line {number}: expected folder<TAB>name, got '{MessageText.Printable(line, 60)}'");
            if (!map.TryAdd(folder, name))
                throw new Siglip2Exception($"class-names file {path}, line {number}: folder '{folder}' is listed twice");
        }
        var missing = folders.FirstOrDefault(f => !map.ContainsKey(f));
        if (missing is not null)
            throw new Siglip2Exception($"class-names file {path} has no line for the class folder '{missing}'; add '{missing}<TAB>name'");
        return folders.Select(f => map[f]).ToList();
    }
}
