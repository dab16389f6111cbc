namespace Siglip2.Data;

/// <summary>The checks a manifest row (JSONL or CSV) goes through once its fields are read.</summary>
internal static class ManifestRow
{
    public static ImageTextRecord? Make(string folder, string image, string? text, string? lang, string? metadata, string source,
        ImageTextDataLimits limits, DataSkipCounts? skips)
    {
        var (caption, textReason, textDetail) = CaptionCheck.FromText(text, limits);
        if (textReason is { } r)
        {
            skips?.Record(r, source, textDetail);
            return null;
        }
        var (path, imageReason, imageDetail) = ManifestImagePath.Resolve(folder, image, limits);
        if (imageReason is { } ir)
        {
            skips?.Record(ir, source, imageDetail);
            return null;
        }
        return new ImageTextRecord(ManifestImagePath.KeyOf(folder, path!), ImageLocation.File(path!), caption!,
            string.IsNullOrWhiteSpace(lang) ? null : lang.Trim(), metadata, source);
    }
}
