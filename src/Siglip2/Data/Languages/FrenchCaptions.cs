namespace Siglip2.Data;

/// <summary>
/// French: "un"/"une" by the noun's gender, the colour adjective follows the noun and agrees in gender
/// ("orange", "rose", "marron" are invariable); "de" before "un/une" elides to "d'".
/// </summary>
public sealed class FrenchCaptions : CaptionLanguage
{
    private static readonly (string Noun, bool Feminine)[] Classes =
    [
        ("t-shirt", false), ("pantalon", false), ("pull", false), ("robe", true), ("manteau", false),
        ("sandale", true), ("chemise", true), ("basket", true), ("sac", false), ("bottine", true),
    ];
    private static readonly (string Masculine, string Feminine)[] Colors =
    [
        ("rouge", "rouge"), ("orange", "orange"), ("jaune", "jaune"), ("vert", "verte"), ("bleu", "bleue"),
        ("violet", "violette"), ("rose", "rose"), ("marron", "marron"), ("blanc", "blanche"), ("noir", "noire"),
    ];
    private static readonly string[] Counts = ["", "", "Deux", "Trois", "Quatre"];

    public override string Code => "fr";
    public override string EnglishName => "French";
    public override string NativeName => "Français";

    public override string ClassName(int classId) => Classes[classId].Noun;
    public override string ColorName(int colorId) => Colors[colorId].Masculine;

    public override string Description(ItemDescription item)
    {
        var (noun, feminine) = Classes[item.ClassId];
        if (item.ColorId is not int c) return noun;
        return $"{noun} {(feminine ? Colors[c].Feminine : Colors[c].Masculine)}";
    }

    public override string NounPhrase(ItemDescription item) =>
        (Classes[item.ClassId].Feminine ? "une " : "un ") + Description(item);

    /// <summary>"de" + indefinite phrase: always elided, since the phrase starts with "un"/"une".</summary>
    private string Of(ItemDescription item) => "d'" + NounPhrase(item);

    public override string SingleItemCaption(ItemDescription item, SceneRandom random)
    {
        string np = NounPhrase(item);
        return Pick(random, $"{Capitalize(np)}.", $"Une photo {Of(item)}.", $"Une image {Of(item)}.", $"On voit {np}.",
            $"Il y a {np} sur l'image.");
    }

    public override string GrayItemCaption(int classId, SceneRandom random)
    {
        ItemDescription item = new(classId, null);
        return Pick(random, $"Une photo en noir et blanc {Of(item)}.", $"{Capitalize(NounPhrase(item))} sur fond noir.",
            $"Une photo {Of(item)}.");
    }

    public override string MultiItemCaption(IReadOnlyList<ItemDescription> items, SceneRandom random)
    {
        CheckCount(items);
        string list = JoinList(items.Select(NounPhrase).ToList(), ", ", " et ");
        return Pick(random, $"{Capitalize(list)}.", $"On voit {list}.", $"Sur l'image : {list}.", $"{Counts[items.Count]} articles : {list}.");
    }

    public override string RelationCaption(ItemDescription subject, SpatialRelation relation, ItemDescription reference, SceneRandom random)
    {
        if (random.Chance(0.5))
        {
            var (first, second, horizontal) = Ordered(subject, relation, reference);
            return horizontal
                ? $"À gauche, {NounPhrase(first)} ; à droite, {NounPhrase(second)}."
                : $"En haut, {NounPhrase(first)} ; en bas, {NounPhrase(second)}.";
        }
        string a = Capitalize(NounPhrase(subject)), b = Of(reference);
        return relation switch
        {
            SpatialRelation.LeftOf => $"{a} à gauche {b}.",
            SpatialRelation.RightOf => $"{a} à droite {b}.",
            SpatialRelation.Above => $"{a} au-dessus {b}.",
            SpatialRelation.Below => $"{a} en dessous {b}.",
            _ => throw new ArgumentOutOfRangeException(nameof(relation)),
        };
    }

    public override IReadOnlyList<string> ZeroShotPrompts(int classId)
    {
        ItemDescription item = new(classId, null);
        return [$"Une photo {Of(item)}.", $"Une photo en noir et blanc {Of(item)}.", $"C'est {NounPhrase(item)}.",
            $"{Capitalize(NounPhrase(item))}."];
    }
}
