namespace Siglip2.Data;

/// <summary>
/// Arabic (Modern Standard): indefinite phrases without article, the colour adjective follows the noun and
/// agrees in gender (أحمر/حمراء); "و" (and) and "ل" (of/for) attach to the next word; "هذا/هذه" by gender.
/// </summary>
public sealed class ArabicCaptions : CaptionLanguage
{
    private static readonly (string Noun, bool Feminine)[] Classes =
    [
        ("تي شيرت", false), ("بنطال", false), ("كنزة", true), ("فستان", false), ("معطف", false),
        ("صندل", false), ("قميص", false), ("حذاء رياضي", false), ("حقيبة", true), ("بوت قصير", false),
    ];
    private static readonly (string Masculine, string Feminine)[] Colors =
    [
        ("أحمر", "حمراء"), ("برتقالي", "برتقالية"), ("أصفر", "صفراء"), ("أخضر", "خضراء"), ("أزرق", "زرقاء"),
        ("بنفسجي", "بنفسجية"), ("وردي", "وردية"), ("بني", "بنية"), ("أبيض", "بيضاء"), ("أسود", "سوداء"),
    ];
    private static readonly string[] Counts = ["", "", "قطعتان", "ثلاث قطع", "أربع قطع"];

    public override string Code => "ar";
    public override string EnglishName => "Arabic";
    public override string NativeName => "العربية";

    public override string ClassName(int classId) => Classes[classId].Noun;
    public override string ColorName(int colorId) => Colors[colorId].Masculine;

    public override string Description(ItemDescription item)
    {
        var (noun, feminine) = Classes[item.ClassId];
        if (item.ColorId is not int c) return noun;
        return $"{noun} {(feminine ? Colors[c].Feminine : Colors[c].Masculine)}";
    }

    public override string NounPhrase(ItemDescription item) => Description(item);

    public override string SingleItemCaption(ItemDescription item, SceneRandom random)
    {
        string np = NounPhrase(item);
        return Pick(random, $"{np}.", $"صورة {np}.", $"في الصورة {np}.", $"هذه صورة {np}.");
    }

    public override string GrayItemCaption(int classId, SceneRandom random)
    {
        string np = NounPhrase(new(classId, null));
        return Pick(random, $"صورة بالأبيض والأسود ل{np}.", $"{np} على خلفية سوداء.", $"صورة {np}.");
    }

    public override string MultiItemCaption(IReadOnlyList<ItemDescription> items, SceneRandom random)
    {
        CheckCount(items);
        string list = JoinList(items.Select(NounPhrase).ToList(), " و", " و");
        return Pick(random, $"{list}.", $"في الصورة {list}.", $"{Counts[items.Count]}: {list}.");
    }

    public override string RelationCaption(ItemDescription subject, SpatialRelation relation, ItemDescription reference, SceneRandom random)
    {
        var (first, second, horizontal) = Ordered(subject, relation, reference);
        return horizontal
            ? $"على اليسار {NounPhrase(first)}، وعلى اليمين {NounPhrase(second)}."
            : $"في الأعلى {NounPhrase(first)}، وفي الأسفل {NounPhrase(second)}.";
    }

    public override IReadOnlyList<string> ZeroShotPrompts(int classId)
    {
        var (noun, feminine) = Classes[classId];
        return [$"صورة {noun}.", $"صورة بالأبيض والأسود ل{noun}.", $"{(feminine ? "هذه" : "هذا")} {noun}.", $"{noun}."];
    }
}
