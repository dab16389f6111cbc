namespace Siglip2.Data;

/// <summary>
/// Hindi: "एक" + colour + noun; -आ adjectives agree with the noun (नीला m, नीली f) and take the oblique
/// -ए before a postposition (एक नीले बैग की तस्वीर); the other colours are invariable. Sentences end with "।".
/// </summary>
public sealed class HindiCaptions : CaptionLanguage
{
    private static readonly (string Noun, bool Feminine)[] Classes =
    [
        ("टी-शर्ट", true), ("पैंट", true), ("स्वेटर", false), ("ड्रेस", true), ("कोट", false),
        ("सैंडल", true), ("कमीज़", true), ("स्नीकर", false), ("बैग", false), ("एंकल बूट", false),
    ];
    /// <summary>Masculine direct, feminine, masculine oblique (equal for invariable colours).</summary>
    private static readonly (string Masculine, string Feminine, string Oblique)[] Colors =
    [
        ("लाल", "लाल", "लाल"), ("नारंगी", "नारंगी", "नारंगी"), ("पीला", "पीली", "पीले"), ("हरा", "हरी", "हरे"),
        ("नीला", "नीली", "नीले"), ("बैंगनी", "बैंगनी", "बैंगनी"), ("गुलाबी", "गुलाबी", "गुलाबी"), ("भूरा", "भूरी", "भूरे"),
        ("सफ़ेद", "सफ़ेद", "सफ़ेद"), ("काला", "काली", "काले"),
    ];
    private static readonly string[] Counts = ["", "", "दो", "तीन", "चार"];

    public override string Code => "hi";
    public override string EnglishName => "Hindi";
    public override string NativeName => "हिन्दी";

    public override string ClassName(int classId) => Classes[classId].Noun;
    public override string ColorName(int colorId) => Colors[colorId].Masculine;

    private static string Adjective(int colorId, bool feminine, bool oblique) =>
        feminine ? Colors[colorId].Feminine : oblique ? Colors[colorId].Oblique : Colors[colorId].Masculine;

    // The class nouns are loanwords or end in a consonant, so their oblique singular equals the direct form.
    private static string Describe(ItemDescription item, bool oblique)
    {
        var (noun, feminine) = Classes[item.ClassId];
        return item.ColorId is int c ? $"{Adjective(c, feminine, oblique)} {noun}" : noun;
    }

    public override string Description(ItemDescription item) => Describe(item, oblique: false);
    public override string NounPhrase(ItemDescription item) => "एक " + Describe(item, oblique: false);
    private static string ObliquePhrase(ItemDescription item) => "एक " + Describe(item, oblique: true);

    public override string SingleItemCaption(ItemDescription item, SceneRandom random)
    {
        string np = NounPhrase(item);
        return Pick(random, $"{np}।", $"{ObliquePhrase(item)} की तस्वीर।", $"तस्वीर में {np} है।", $"यह {np} है।");
    }

    public override string GrayItemCaption(int classId, SceneRandom random)
    {
        ItemDescription item = new(classId, null);
        return Pick(random, $"{ObliquePhrase(item)} की श्वेत-श्याम तस्वीर।", $"काली पृष्ठभूमि पर {NounPhrase(item)}।",
            $"{ObliquePhrase(item)} की तस्वीर।");
    }

    public override string MultiItemCaption(IReadOnlyList<ItemDescription> items, SceneRandom random)
    {
        CheckCount(items);
        string list = JoinList(items.Select(NounPhrase).ToList(), ", ", " और ");
        return Pick(random, $"{list}।", $"तस्वीर में {list} हैं।", $"{Counts[items.Count]} चीज़ें: {list}।");
    }

    public override string RelationCaption(ItemDescription subject, SpatialRelation relation, ItemDescription reference, SceneRandom random)
    {
        var (first, second, horizontal) = Ordered(subject, relation, reference);
        return horizontal
            ? $"बाईं ओर {NounPhrase(first)}, दाईं ओर {NounPhrase(second)}।"
            : $"ऊपर {NounPhrase(first)}, नीचे {NounPhrase(second)}।";
    }

    public override IReadOnlyList<string> ZeroShotPrompts(int classId)
    {
        string n = ClassName(classId);
        return [$"एक {n} की तस्वीर।", $"एक {n} की श्वेत-श्याम तस्वीर।", $"यह एक {n} है।", $"{n}।"];
    }
}
