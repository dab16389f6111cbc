namespace Siglip2.Data;

/// <summary>
/// Russian: no articles; the colour adjective precedes the noun and agrees in gender/number (masculine,
/// feminine, neuter, plural for the plurale tantum "брюки"); hard stems end -ый/-ая/-ое/-ые, the soft
/// stem "син-" ends -ий/-яя/-ее/-ие. Every template keeps the phrases in the nominative.
/// </summary>
public sealed class RussianCaptions : CaptionLanguage
{
    private enum Form { M, F, N, Plural }

    private static readonly (string Noun, Form Form)[] Classes =
    [
        ("футболка", Form.F), ("брюки", Form.Plural), ("свитер", Form.M), ("платье", Form.N), ("пальто", Form.N),
        ("сандалия", Form.F), ("рубашка", Form.F), ("кроссовок", Form.M), ("сумка", Form.F), ("ботинок", Form.M),
    ];
    private static readonly (string Stem, bool Soft)[] Colors =
    [
        ("красн", false), ("оранжев", false), ("жёлт", false), ("зелён", false), ("син", true),
        ("фиолетов", false), ("розов", false), ("коричнев", false), ("бел", false), ("чёрн", false),
    ];
    private static readonly string[] Counts = ["", "", "Два", "Три", "Четыре"];

    public override string Code => "ru";
    public override string EnglishName => "Russian";
    public override string NativeName => "Русский";

    public override string ClassName(int classId) => Classes[classId].Noun;
    public override string ColorName(int colorId) => Adjective(colorId, Form.M);

    private static string Adjective(int colorId, Form form)
    {
        var (stem, soft) = Colors[colorId];
        return stem + form switch
        {
            Form.M => soft ? "ий" : "ый",
            Form.F => soft ? "яя" : "ая",
            Form.N => soft ? "ее" : "ое",
            _ => soft ? "ие" : "ые",
        };
    }

    public override string Description(ItemDescription item)
    {
        var (noun, form) = Classes[item.ClassId];
        return item.ColorId is int c ? $"{Adjective(c, form)} {noun}" : noun;
    }

    public override string NounPhrase(ItemDescription item) => Description(item);

    public override string SingleItemCaption(ItemDescription item, SceneRandom random)
    {
        string np = NounPhrase(item);
        return Pick(random, $"{Capitalize(np)}.", $"На фото {np}.", $"На картинке {np}.", $"{Capitalize(np)} на фотографии.");
    }

    public override string GrayItemCaption(int classId, SceneRandom random)
    {
        string np = NounPhrase(new(classId, null));
        return Pick(random, $"Чёрно-белое фото: {np}.", $"{Capitalize(np)} на чёрном фоне.", $"На фото {np}.");
    }

    public override string MultiItemCaption(IReadOnlyList<ItemDescription> items, SceneRandom random)
    {
        CheckCount(items);
        string list = JoinList(items.Select(NounPhrase).ToList(), ", ", " и ");
        return Pick(random, $"{Capitalize(list)}.", $"На фото {list}.", $"{Counts[items.Count]} предмета: {list}.");
    }

    public override string RelationCaption(ItemDescription subject, SpatialRelation relation, ItemDescription reference, SceneRandom random)
    {
        var (first, second, horizontal) = Ordered(subject, relation, reference);
        return horizontal
            ? $"Слева {NounPhrase(first)}, справа {NounPhrase(second)}."
            : $"Сверху {NounPhrase(first)}, снизу {NounPhrase(second)}.";
    }

    public override IReadOnlyList<string> ZeroShotPrompts(int classId)
    {
        string np = NounPhrase(new(classId, null));
        return [$"На фото {np}.", $"Чёрно-белое фото: {np}.", $"Это {np}.", $"{Capitalize(np)}."];
    }
}
