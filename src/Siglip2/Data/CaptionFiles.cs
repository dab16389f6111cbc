using System.Text.Json;
using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>Shared reading of caption annotation files (Karpathy JSON, XM3600 JSON lines): bounded, strict, one-line errors.</summary>
internal static class CaptionFiles
{
    /// <summary>dataset_coco.json is about 140 MiB; XM3600's captions.jsonl about 60 MiB.</summary>
    public const long AnnotationBytes = 2L << 30;

    public static JsonDocument ParseJson(string json, string path)
    {
        try
        {
            return JsonDocument.Parse(json, StrictJson.DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new Siglip2Exception($"{path} is not valid JSON ({MessageText.OneLine(e.Message)})");
        }
    }

    public static string? String(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>Caption lines: trimmed, empty ones dropped.</summary>
    public static string? Clean(string? caption) => string.IsNullOrWhiteSpace(caption) ? null : caption.Trim();

    /// <summary>A file name from an annotation file must stay inside the images folder (no absolute paths, no '..').</summary>
    public static string ImagePath(string imagesDir, string relative, string where)
    {
        if (relative.Length == 0 || relative.Contains('\0'))
            throw new Siglip2Exception($"{where}: image name '{MessageText.Printable(relative, 80)}' is empty or holds a NUL character");
        string full = Path.GetFullPath(Path.Combine(imagesDir, relative));
        string root = Path.GetFullPath(imagesDir).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if (Path.IsPathRooted(relative) || !full.StartsWith(root, StringComparison.Ordinal))
            throw new Siglip2Exception($"{where}: image '{MessageText.Printable(relative, 80)}' is outside the images folder {imagesDir}; give file names relative to --images");
        return full;
    }
}
