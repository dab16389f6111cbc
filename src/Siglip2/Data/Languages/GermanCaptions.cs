namespace Siglip2.Data;

/// <summary>
/// German: indefinite article and adjective agree in gender and case (nominative, accusative, dative;
/// mixed declension after "ein"); "rosa" is indeclinable.
/// </summary>
public sealed class GermanCaptions : CaptionLanguage
{
    private enum Gender { M, F, N }
    private enum Case { Nom, Acc, Dat }

    private static readonly (string Noun, Gender Gender)[] Classes =
    [
        ("T-Shirt", Gender.N), ("Hose", Gender.F), ("Pullover", Gender.M), ("Kleid", Gender.N), ("Mantel", Gender.M),
        ("Sandale", Gender.F), ("Hemd", Gender.N), ("Turnschuh", Gender.M), ("Tasche", Gender.F), ("Stiefelette", Gender.F),
    ];
    private static readonly (string Stem, bool Declinable)[] Colors =
    [
        ("rot", true), ("orangefarben", true), ("gelb", true), ("grün", true), ("blau", true),
        ("violett", true), ("rosa", false), ("braun", true), ("weiß", true), ("schwarz", true),
    ];
    private static readonly string[] Counts = ["", "", "Zwei", "Drei", "Vier"];

    public override string Code => "de";
    public override string EnglishName => "German";
    public override string NativeName => "Deutsch";

    public override string ClassName(int classId) => Classes[classId].Noun;
    public override string ColorName(int colorId) => Colors[colorId].Stem;

    private static string Article(Gender g, Case c) => (g, c) switch
    {
        (Gender.F, Case.Dat) => "einer",
        (_, Case.Dat) => "einem",
        (Gender.F, _) => "eine",
        (Gender.M, Case.Acc) => "einen",
        _ => "ein",
    };

    private static string Adjective(int colorId, Gender g, Case c)
    {
        var (stem, declinable) = Colors[colorId];
        if (!declinable) return stem;
        string ending = (g, c) switch
        {
            (_, Case.Dat) => "en",
            (Gender.M, Case.Nom) => "er",
            (Gender.M, Case.Acc) => "en",
            (Gender.N, _) => "es",
            _ => "e",
        };
        return stem + ending;
    }

    private static string Phrase(ItemDescription item, Case c)
    {
        var (noun, g) = Classes[item.ClassId];
        return item.ColorId is int color ? $"{Article(g, c)} {Adjective(color, g, c)} {noun}" : $"{Article(g, c)} {noun}";
    }

    public override string NounPhrase(ItemDescription item) => Phrase(item, Case.Nom);

    /// <summary>Without article: strong declension, nominative ("rote Tasche", "roter Turnschuh").</summary>
    public override string Description(ItemDescription item)
    {
        var (noun, g) = Classes[item.ClassId];
        return item.ColorId is int color ? $"{Adjective(color, g, Case.Nom)} {noun}" : noun;
    }

    public override string SingleItemCaption(ItemDescription item, SceneRandom random) => Pick(random,
        $"{Capitalize(Phrase(item, Case.Nom))}.", $"Ein Foto von {Phrase(item, Case.Dat)}.", $"Ein Bild von {Phrase(item, Case.Dat)}.",
        $"Das Bild zeigt {Phrase(item, Case.Acc)}.", $"Zu sehen ist {Phrase(item, Case.Nom)}.");

    public override string GrayItemCaption(int classId, SceneRandom random)
    {
        ItemDescription item = new(classId, null);
        return Pick(random, $"Ein Schwarzweißfoto von {Phrase(item, Case.Dat)}.", $"{Capitalize(Phrase(item, Case.Nom))} auf schwarzem Hintergrund.",
            $"Ein Foto von {Phrase(item, Case.Dat)}.");
    }

    private static string List(IReadOnlyList<ItemDescription> items, Case c) =>
        JoinList(items.Select(i => Phrase(i, c)).ToList(), ", ", " und ");

    public override string MultiItemCaption(IReadOnlyList<ItemDescription> items, SceneRandom random)
    {
        CheckCount(items);
        return Pick(random, $"{Capitalize(List(items, Case.Nom))}.", $"Das Bild zeigt {List(items, Case.Acc)}.",
            $"Ein Foto von {List(items, Case.Dat)}.", $"{Counts[items.Count]} Gegenstände: {List(items, Case.Nom)}.");
    }

    public override string RelationCaption(ItemDescription subject, SpatialRelation relation, ItemDescription reference, SceneRandom random)
    {
        string a = Capitalize(Phrase(subject, Case.Nom)), b = Phrase(reference, Case.Dat);
        if (random.Chance(0.5))
        {
            var (first, second, horizontal) = Ordered(subject, relation, reference);
            return horizontal
                ? $"Links {Phrase(first, Case.Nom)}, rechts {Phrase(second, Case.Nom)}."
                : $"Oben {Phrase(first, Case.Nom)}, unten {Phrase(second, Case.Nom)}.";
        }
        return relation switch
        {
            SpatialRelation.LeftOf => $"{a} links neben {b}.",
            SpatialRelation.RightOf => $"{a} rechts neben {b}.",
            SpatialRelation.Above => $"{a} über {b}.",
            SpatialRelation.Below => $"{a} unter {b}.",
            _ => throw new ArgumentOutOfRangeException(nameof(relation)),
        };
    }

    public override IReadOnlyList<string> ZeroShotPrompts(int classId)
    {
        ItemDescription item = new(classId, null);
        return [$"Ein Foto von {Phrase(item, Case.Dat)}.", $"Ein Schwarzweißfoto von {Phrase(item, Case.Dat)}.",
            $"Das ist {Phrase(item, Case.Nom)}.", $"{Capitalize(Phrase(item, Case.Nom))}."];
    }
}
