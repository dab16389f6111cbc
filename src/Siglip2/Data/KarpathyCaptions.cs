using System.Text.Json;
using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>
/// The Karpathy-split caption files of COCO and Flickr30k (<c>dataset_coco.json</c>, <c>dataset_flickr30k.json</c>, from
/// Karpathy &amp; Fei-Fei's "Deep Visual-Semantic Alignments", the split every image–text retrieval paper reports): a JSON
/// object whose <c>images</c> array holds, per image, <c>filename</c>, <c>filepath</c> (COCO only: the folder under the
/// images root, e.g. <c>val2014</c>), <c>split</c> (<c>train</c>, <c>val</c>, <c>test</c>, COCO also <c>restval</c>) and
/// <c>sentences[].raw</c> (five captions). COCO's test split is 5,000 images / 25,010 captions, Flickr30k's 1,000 / 5,000.
/// </summary>
public static class KarpathyCaptions
{
    /// <summary>The images of <paramref name="split"/> in file order, each with its raw captions; paths under <paramref name="imagesDir"/>.</summary>
    public static IReadOnlyList<CaptionedImage> Load(string annotationFile, string imagesDir, string split = "test")
    {
        string json = InputFile.ReadAllText(annotationFile, "Karpathy caption file", CaptionFiles.AnnotationBytes);
        using var doc = CaptionFiles.ParseJson(json, annotationFile);
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("images", out var images) || images.ValueKind != JsonValueKind.Array)
            throw new Siglip2Exception($"{annotationFile} is not a Karpathy-split file: it needs a top-level \"images\" array (dataset_coco.json / dataset_flickr30k.json)");
        var result = new List<CaptionedImage>();
        var splits = new SortedSet<string>(StringComparer.Ordinal);
        int index = 0;
        foreach (var image in images.EnumerateArray())
        {
            string where = $"{annotationFile}, images[{index++}]";
            string? imageSplit = CaptionFiles.String(image, "split");
            string? filename = CaptionFiles.String(image, "filename");
            if (imageSplit is null || filename is null)
                throw new Siglip2Exception($"{where}: every image needs string \"filename\" and \"split\" fields");
            splits.Add(imageSplit);
            if (imageSplit != split) continue;
            var captions = new List<string>();
            if (image.TryGetProperty("sentences", out var sentences) && sentences.ValueKind == JsonValueKind.Array)
                foreach (var s in sentences.EnumerateArray())
                    if (CaptionFiles.Clean(CaptionFiles.String(s, "raw")) is { } raw) captions.Add(raw);
            if (captions.Count == 0) continue; // nothing to retrieve it by: not part of the benchmark
            string relative = CaptionFiles.String(image, "filepath") is { Length: > 0 } folder ? Path.Combine(folder, filename) : filename;
            result.Add(new CaptionedImage(CaptionFiles.ImagePath(imagesDir, relative, where), captions));
        }
        if (result.Count == 0)
            throw new Siglip2Exception($"{annotationFile} has no captioned images in split '{split}' (splits there: {(splits.Count == 0 ? "none" : string.Join(", ", splits))}); choose one with --split");
        return result;
    }
}
