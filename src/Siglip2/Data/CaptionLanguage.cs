using System.Text;

namespace Siglip2.Data;

/// <summary>
/// One caption language: translated class and colour names, the grammar that combines them (articles,
/// gender and case agreement, classifiers, particles) and the caption, relation and zero-shot templates.
/// Every caption is a full sentence in that language; class ids are Fashion-MNIST labels, colour ids index
/// <see cref="ColorPalette"/>.
/// </summary>
public abstract class CaptionLanguage
{
    /// <summary>ISO 639-1 code ("en", "de", …).</summary>
    public abstract string Code { get; }
    public abstract string EnglishName { get; }
    public abstract string NativeName { get; }

    /// <summary>The class as a bare noun ("sneaker", "Turnschuh", "运动鞋").</summary>
    public abstract string ClassName(int classId);

    /// <summary>The colour's dictionary form ("red", "rot", "红色").</summary>
    public abstract string ColorName(int colorId);

    /// <summary>An indefinite noun phrase naming the item, usable as a sentence subject ("a red sneaker").</summary>
    public abstract string NounPhrase(ItemDescription item);

    /// <summary>The item without article or sentence frame ("red sneaker"), used for region texts.</summary>
    public abstract string Description(ItemDescription item);

    /// <summary>A caption for a scene holding exactly this one (tinted) item.</summary>
    public abstract string SingleItemCaption(ItemDescription item, SceneRandom random);

    /// <summary>A caption for an untinted gray item on black, like an original Fashion-MNIST image.</summary>
    public abstract string GrayItemCaption(int classId, SceneRandom random);

    /// <summary>A caption listing all items of a scene (two or more).</summary>
    public abstract string MultiItemCaption(IReadOnlyList<ItemDescription> items, SceneRandom random);

    /// <summary>A caption saying that <paramref name="subject"/> lies <paramref name="relation"/> <paramref name="reference"/>.</summary>
    public abstract string RelationCaption(ItemDescription subject, SpatialRelation relation, ItemDescription reference, SceneRandom random);

    /// <summary>Zero-shot classification prompts for one class (all templates of this language, filled in).</summary>
    public abstract IReadOnlyList<string> ZeroShotPrompts(int classId);

    public override string ToString() => $"{Code} ({EnglishName})";

    /// <summary>Upper-cases the first character where the script has case (Latin, Cyrillic); others unchanged.</summary>
    protected static string Capitalize(string text) =>
        text.Length == 0 || !char.IsLower(text[0]) ? text : char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>Joins items as "a, b and c" with the given separators.</summary>
    protected static string JoinList(IReadOnlyList<string> parts, string separator, string lastSeparator)
    {
        if (parts.Count == 0) return "";
        var sb = new StringBuilder(parts[0]);
        for (int i = 1; i < parts.Count; i++) sb.Append(i == parts.Count - 1 ? lastSeparator : separator).Append(parts[i]);
        return sb.ToString();
    }

    protected static string Pick(SceneRandom random, params string[] options) => options[random.Next(options.Length)];

    /// <summary>Swaps a relation into the canonical left/top-first order used by "on the left …, on the right …" forms.</summary>
    protected static (ItemDescription First, ItemDescription Second, bool Horizontal) Ordered(
        ItemDescription subject, SpatialRelation relation, ItemDescription reference) => relation switch
    {
        SpatialRelation.LeftOf => (subject, reference, true),
        SpatialRelation.RightOf => (reference, subject, true),
        SpatialRelation.Above => (subject, reference, false),
        SpatialRelation.Below => (reference, subject, false),
        _ => throw new ArgumentOutOfRangeException(nameof(relation)),
    };

    protected static void CheckCount(IReadOnlyList<ItemDescription> items)
    {
        if (items.Count < 2 || items.Count > 4)
            throw new ArgumentOutOfRangeException(nameof(items), $"a multi-item caption lists 2..4 items, not {items.Count}");
    }
}
