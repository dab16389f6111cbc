using System.Text.Json;
using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>
/// Multilingual retrieval captions, per language, in one of two layouts:
/// <list type="bullet">
/// <item>Crossmodal-3600 as Google publishes it (<c>captions.jsonl</c>, Thapliyal et al. 2022): one JSON object per line
/// and image, <c>{"image/key": "000411001ff7dd4f", "en": {"caption": [...], "caption/tokenized": [...]}, "de": {...}, …}</c>
/// for 36 languages; the image is <c>&lt;images&gt;/&lt;image/key&gt;.jpg</c>.</item>
/// <item>One caption file per language, <c>&lt;lang&gt;.jsonl</c> (lines <c>{"image": "file.jpg", "caption": "…"}</c> or
/// <c>"captions": [...]</c>) or <c>&lt;lang&gt;.txt</c> (lines <c>file.jpg&lt;TAB&gt;caption</c>), in a folder (or its
/// <c>captions/</c> sub-folder); several lines may name the same image; image names are relative to the images folder.</item>
/// </list>
/// </summary>
public sealed class Xm3600Captions
{
    public const string CaptionsFileName = "captions.jsonl";
    private const string KeyName = "image/key";

    /// <summary>The languages, in the file's order (or sorted file names), each with its captioned images.</summary>
    public IReadOnlyList<(string Language, IReadOnlyList<CaptionedImage> Images)> Languages { get; }

    private Xm3600Captions(IReadOnlyList<(string, IReadOnlyList<CaptionedImage>)> languages) => Languages = languages;

    /// <summary>
    /// Reads <paramref name="path"/> (a captions.jsonl file, a folder holding one, or a folder of per-language files);
    /// <paramref name="languages"/> keeps only those (each must be present), in that order.
    /// </summary>
    public static Xm3600Captions Load(string path, string imagesDir, IReadOnlyList<string>? languages = null)
    {
        IReadOnlyList<(string Language, IReadOnlyList<CaptionedImage> Images)> all;
        if (File.Exists(path) || (Directory.Exists(path) && File.Exists(Path.Combine(path, CaptionsFileName))))
            all = ReadCaptionsJsonl(Directory.Exists(path) ? Path.Combine(path, CaptionsFileName) : path, imagesDir);
        else if (Directory.Exists(path))
            all = ReadPerLanguageFolder(Directory.Exists(Path.Combine(path, "captions")) ? Path.Combine(path, "captions") : path, imagesDir);
        else
            throw new Siglip2Exception($"XM3600 captions not found: {path} (give captions.jsonl, or a folder of <lang>.jsonl / <lang>.txt files)");
        if (languages is null || languages.Count == 0) return new Xm3600Captions(all);
        var chosen = new List<(string, IReadOnlyList<CaptionedImage>)>();
        foreach (var l in languages)
        {
            var found = all.FirstOrDefault(x => x.Language == l);
            if (found.Images is null)
                throw new Siglip2Exception($"language '{l}' is not in {path} (languages there: {string.Join(",", all.Select(x => x.Language))})");
            chosen.Add(found);
        }
        return new Xm3600Captions(chosen);
    }

    private static List<(string, IReadOnlyList<CaptionedImage>)> ReadCaptionsJsonl(string file, string imagesDir)
    {
        string text = InputFile.ReadAllText(file, "XM3600 captions file", CaptionFiles.AnnotationBytes);
        var order = new List<string>();
        var byLanguage = new Dictionary<string, List<CaptionedImage>>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            string where = $"{file}, line {lineNumber}";
            using var doc = CaptionFiles.ParseJson(raw, where);
            var line = doc.RootElement;
            string key = CaptionFiles.String(line, KeyName)
                ?? throw new Siglip2Exception($"{where}: no \"{KeyName}\" string (XM3600 captions.jsonl has one object per image with \"{KeyName}\" and one object per language)");
            string image = CaptionFiles.ImagePath(imagesDir, key + ".jpg", where);
            foreach (var property in line.EnumerateObject())
            {
                if (property.Name == KeyName || property.Value.ValueKind != JsonValueKind.Object) continue;
                if (!property.Value.TryGetProperty("caption", out var captions)) continue;
                var list = captions.ValueKind switch
                {
                    JsonValueKind.Array => captions.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.String)
                        .Select(c => CaptionFiles.Clean(c.GetString())).OfType<string>().ToList(),
                    JsonValueKind.String => CaptionFiles.Clean(captions.GetString()) is { } one ? [one] : [],
                    _ => throw new Siglip2Exception($"{where}: \"{property.Name}\".caption must be a list of strings"),
                };
                if (list.Count == 0) continue;
                if (!byLanguage.TryGetValue(property.Name, out var images))
                {
                    byLanguage[property.Name] = images = [];
                    order.Add(property.Name);
                }
                images.Add(new CaptionedImage(image, list));
            }
        }
        if (order.Count == 0) throw new Siglip2Exception($"{file} holds no captions (expected lines like {{\"{KeyName}\": \"…\", \"en\": {{\"caption\": [\"…\"]}}}})");
        return order.Select(l => (l, (IReadOnlyList<CaptionedImage>)byLanguage[l])).ToList();
    }

    private static List<(string, IReadOnlyList<CaptionedImage>)> ReadPerLanguageFolder(string folder, string imagesDir)
    {
        var files = Directory.EnumerateFiles(folder)
            .Where(f => Path.GetExtension(f) is ".jsonl" or ".txt")
            .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new Siglip2Exception($"{folder} has no {CaptionsFileName} and no per-language caption files (<lang>.jsonl or <lang>.txt)");
        var result = new List<(string, IReadOnlyList<CaptionedImage>)>();
        foreach (var file in files)
        {
            string language = Path.GetFileNameWithoutExtension(file);
            if (result.Any(r => r.Item1 == language))
                throw new Siglip2Exception($"{folder} has both {language}.jsonl and {language}.txt; keep one");
            result.Add((language, ReadLanguageFile(file, imagesDir)));
        }
        return result;
    }

    private static IReadOnlyList<CaptionedImage> ReadLanguageFile(string file, string imagesDir)
    {
        string text = InputFile.ReadAllText(file, "caption file", CaptionFiles.AnnotationBytes);
        bool jsonl = Path.GetExtension(file) == ".jsonl";
        var order = new List<string>();
        var captions = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"{file}, line {lineNumber}";
            string image;
            var texts = new List<string>();
            if (jsonl)
            {
                using var doc = CaptionFiles.ParseJson(line, where);
                image = CaptionFiles.String(doc.RootElement, "image")
                    ?? throw new Siglip2Exception($"{where}: expected {{\"image\": \"file.jpg\", \"caption\": \"…\"}}");
                if (CaptionFiles.Clean(CaptionFiles.String(doc.RootElement, "caption")) is { } one) texts.Add(one);
                if (doc.RootElement.TryGetProperty("captions", out var many) && many.ValueKind == JsonValueKind.Array)
                    texts.AddRange(many.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.String).Select(c => CaptionFiles.Clean(c.GetString())).OfType<string>());
            }
            else
            {
                int tab = line.IndexOf('\t');
                if (tab <= 0) throw new Siglip2Exception($"{where}: expected image<TAB>caption, got '{MessageText.Printable(line, 60)}'");
                image = line[..tab].Trim();
                if (CaptionFiles.Clean(line[(tab + 1)..]) is { } caption) texts.Add(caption);
            }
            string path = CaptionFiles.ImagePath(imagesDir, image, where);
            if (!captions.TryGetValue(path, out var list))
            {
                captions[path] = list = [];
                order.Add(path);
            }
            list.AddRange(texts);
        }
        var images = order.Where(p => captions[p].Count > 0).Select(p => new CaptionedImage(p, captions[p])).ToList();
        if (images.Count == 0) throw new Siglip2Exception($"{file} holds no captions");
        return images;
    }
}
