namespace Siglip2.Data;

/// <summary>
/// How WebDataset splits a tar member name into the sample key and the field: the key is the path up to the first
/// dot of the base name, the field is the rest (<c>dir/000012.jpg</c> → <c>dir/000012</c>, <c>jpg</c>;
/// <c>img.001.seg.png</c> → <c>img</c>, <c>001.seg.png</c>). A field's type is its last dot part. Names without a dot
/// in the base name, or starting with a dot, carry no field and are ignored, as WebDataset does.
/// </summary>
public static class WebDatasetMemberName
{
    public static readonly string[] ImageExtensions = ["jpg", "jpeg", "png", "webp"];

    /// <summary>(key, field), or null when the name has no field.</summary>
    public static (string Key, string Field)? Split(string name)
    {
        int slash = name.LastIndexOf('/');
        int dot = name.IndexOf('.', slash + 1);
        if (dot <= slash + 1 || dot == name.Length - 1) return null;
        return (name[..dot], name[(dot + 1)..]);
    }

    /// <summary>The field's type: its last dot part, lowercased (<c>001.seg.PNG</c> → <c>png</c>).</summary>
    public static string TypeOf(string field)
    {
        int dot = field.LastIndexOf('.');
        return (dot < 0 ? field : field[(dot + 1)..]).ToLowerInvariant();
    }

    public static bool IsImage(string field) => ImageExtensions.Contains(TypeOf(field));
}
