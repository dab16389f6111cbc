using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>
/// A data spec as the command line takes it (docs/data.md), parsed into the shards it names:
/// <list type="bullet">
/// <item><c>path/{00000..00099}.tar</c>: WebDataset tar shards by brace list (<see cref="BraceExpansion"/>); every name must exist;</item>
/// <item><c>path/*.tar</c>: a wildcard in the file name (<c>*</c>, <c>?</c>), matched in that folder, sorted;</item>
/// <item><c>shard.tar</c>, <c>manifest.jsonl</c> (or .ndjson), <c>manifest.csv</c>: one file of that kind;</item>
/// <item><c>folder/</c>: its <c>*.tar</c> shards when it has some at the top level, else its images with sidecar <c>.txt</c> captions (recursively);</item>
/// <item>several of these joined by <c>::</c> (WebDataset's separator), read as one dataset.</item>
/// </list>
/// A spec that matches nothing is a one-line <see cref="Siglip2Exception"/> saying what was looked for.
/// </summary>
public sealed class ImageTextDataSpec
{
    private const string Forms = "give tar shards like 'data/{00000..00099}.tar' or 'data/*.tar', a manifest .jsonl/.csv with image,text[,lang], or a folder of images with .txt captions";

    private ImageTextDataSpec(string text, IReadOnlyList<IImageTextShard> shards)
    {
        Text = text;
        Shards = shards;
    }

    /// <summary>The spec as given.</summary>
    public string Text { get; }

    /// <summary>The shards in spec order (brace and wildcard matches sorted as expanded).</summary>
    public IReadOnlyList<IImageTextShard> Shards { get; }

    /// <summary>"3 tar shards, 1 CSV manifest slice" for the log.</summary>
    public string Describe()
    {
        var kinds = Shards.GroupBy(s => s switch
        {
            WebDatasetShard => "tar shard",
            JsonlManifestShard => "JSONL manifest slice",
            CsvManifestShard => "CSV manifest slice",
            CaptionedFolderShard => "folder slice",
            _ => "shard",
        }).Select(g => $"{g.Count()} {g.Key}{(g.Count() == 1 ? "" : "s")}");
        return string.Join(", ", kinds);
    }

    public static ImageTextDataSpec Parse(string spec, ImageTextDataLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        limits ??= ImageTextDataLimits.Default;
        limits.Validate();
        if (string.IsNullOrWhiteSpace(spec)) throw new Siglip2Exception($"the data spec is empty; {Forms}");
        var shards = new List<IImageTextShard>();
        foreach (string part in spec.Split("::"))
        {
            if (part.Length == 0) throw new Siglip2Exception($"data spec '{spec}' has an empty part between '::'; {Forms}");
            shards.AddRange(ParsePart(part, spec, limits));
        }
        return new ImageTextDataSpec(spec, shards);
    }

    private static IEnumerable<IImageTextShard> ParsePart(string part, string spec, ImageTextDataLimits limits)
    {
        if (part.Contains('{') || part.Contains('}'))
        {
            var names = BraceExpansion.Expand(part);
            var missing = names.Where(n => InputFile.KindOf(n) != InputFileKind.Regular).ToArray();
            if (missing.Length == names.Count)
                throw new Siglip2Exception($"data spec '{part}' matches no file ({names.Count:N0} names from '{names[0]}' to '{names[^1]}', none exists); check the folder and the range");
            if (missing.Length > 0)
                throw new Siglip2Exception($"data spec '{part}': {missing.Length:N0} of {names.Count:N0} files are missing (first: '{missing[0]}'); fix the range or remove the missing shards from it");
            return names.SelectMany(n => FileShard(n, part, limits)).ToArray();
        }
        string fileName = Path.GetFileName(part.TrimEnd('/'));
        if (fileName.Contains('*') || fileName.Contains('?'))
        {
            string folder = Path.GetDirectoryName(part) is { Length: > 0 } d ? d : ".";
            if (folder.Contains('*') || folder.Contains('?'))
                throw new Siglip2Exception($"data spec '{part}': wildcards are supported in the file name only; use a brace list for folders, like 'data/{{a,b}}/*.tar'");
            if (!Directory.Exists(folder)) throw new Siglip2Exception($"data spec '{part}': folder '{folder}' does not exist");
            var matches = Directory.EnumerateFiles(folder, fileName).Where(InputFile.IsRegular).Order(StringComparer.Ordinal).ToArray();
            if (matches.Length == 0) throw new Siglip2Exception($"data spec '{part}' matches no file in '{folder}'; {Forms}");
            return matches.SelectMany(n => FileShard(n, part, limits)).ToArray();
        }
        var kind = InputFile.KindOf(part);
        if (kind == InputFileKind.Directory) return FolderShards(part, limits);
        if (kind == InputFileKind.Missing) throw new Siglip2Exception($"data spec '{part}': no such file or folder; {Forms}");
        if (kind != InputFileKind.Regular) throw new Siglip2Exception($"data spec '{part}' is a {InputFile.Describe(kind)}, not a file or folder; {Forms}");
        return FileShard(part, part, limits);
    }

    private static IEnumerable<IImageTextShard> FileShard(string path, string part, ImageTextDataLimits limits)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".tar" => [new WebDatasetShard(path, limits)],
            ".jsonl" or ".ndjson" => JsonlManifestShard.Open(path, limits),
            ".csv" => CsvManifestShard.Open(path, limits),
            _ => throw new Siglip2Exception($"data spec '{part}': '{path}' is neither a .tar shard nor a .jsonl/.csv manifest; {Forms}"),
        };
    }

    private static IEnumerable<IImageTextShard> FolderShards(string folder, ImageTextDataLimits limits)
    {
        var tars = Directory.EnumerateFiles(folder, "*.tar").Where(InputFile.IsRegular).Order(StringComparer.Ordinal).ToArray();
        if (tars.Length > 0) return tars.Select(t => new WebDatasetShard(t, limits)).ToArray();
        var slices = CaptionedFolderShard.Open(folder, limits);
        if (slices.Count == 0)
            throw new Siglip2Exception($"data spec '{folder}': the folder holds no .tar shards and no .jpg/.jpeg/.png/.webp images; {Forms}");
        return slices;
    }
}
