namespace Siglip2.Data;

/// <summary>
/// Spanish: "un"/"una" by the noun's gender, the colour adjective follows the noun and agrees in gender
/// ("naranja", "rosa", "verde", "azul", "marrón" have one form).
/// </summary>
public sealed class SpanishCaptions : CaptionLanguage
{
    private static readonly (string Noun, bool Feminine)[] Classes =
    [
        ("camiseta", true), ("pantalón", false), ("jersey", false), ("vestido", false), ("abrigo", false),
        ("sandalia", true), ("camisa", true), ("zapatilla", true), ("bolso", false), ("botín", false),
    ];
    private static readonly (string Masculine, string Feminine)[] Colors =
    [
        ("rojo", "roja"), ("naranja", "naranja"), ("amarillo", "amarilla"), ("verde", "verde"), ("azul", "azul"),
        ("morado", "morada"), ("rosa", "rosa"), ("marrón", "marrón"), ("blanco", "blanca"), ("negro", "negra"),
    ];
    private static readonly string[] Counts = ["", "", "Dos", "Tres", "Cuatro"];

    public override string Code => "es";
    public override string EnglishName => "Spanish";
    public override string NativeName => "Español";

    public override string ClassName(int classId) => Classes[classId].Noun;
    public override string ColorName(int colorId) => Colors[colorId].Masculine;

    public override string Description(ItemDescription item)
    {
        var (noun, feminine) = Classes[item.ClassId];
        if (item.ColorId is not int c) return noun;
        return $"{noun} {(feminine ? Colors[c].Feminine : Colors[c].Masculine)}";
    }

    public override string NounPhrase(ItemDescription item) =>
        (Classes[item.ClassId].Feminine ? "una " : "un ") + Description(item);

    public override string SingleItemCaption(ItemDescription item, SceneRandom random)
    {
        string np = NounPhrase(item);
        return Pick(random, $"{Capitalize(np)}.", $"Una foto de {np}.", $"Una imagen de {np}.", $"Se ve {np}.", $"Hay {np} en la imagen.");
    }

    public override string GrayItemCaption(int classId, SceneRandom random)
    {
        string np = NounPhrase(new(classId, null));
        return Pick(random, $"Una foto en blanco y negro de {np}.", $"{Capitalize(np)} sobre fondo negro.", $"Una foto de {np}.");
    }

    public override string MultiItemCaption(IReadOnlyList<ItemDescription> items, SceneRandom random)
    {
        CheckCount(items);
        // "y" stays "y": the next word is always "un"/"una", never an (h)i- sound.
        string list = JoinList(items.Select(NounPhrase).ToList(), ", ", " y ");
        return Pick(random, $"{Capitalize(list)}.", $"Una foto de {list}.", $"En la imagen hay {list}.", $"{Counts[items.Count]} artículos: {list}.");
    }

    public override string RelationCaption(ItemDescription subject, SpatialRelation relation, ItemDescription reference, SceneRandom random)
    {
        if (random.Chance(0.5))
        {
            var (first, second, horizontal) = Ordered(subject, relation, reference);
            return horizontal
                ? $"A la izquierda, {NounPhrase(first)}; a la derecha, {NounPhrase(second)}."
                : $"Arriba, {NounPhrase(first)}; abajo, {NounPhrase(second)}.";
        }
        string a = Capitalize(NounPhrase(subject)), b = NounPhrase(reference);
        return relation switch
        {
            SpatialRelation.LeftOf => $"{a} a la izquierda de {b}.",
            SpatialRelation.RightOf => $"{a} a la derecha de {b}.",
            SpatialRelation.Above => $"{a} encima de {b}.",
            SpatialRelation.Below => $"{a} debajo de {b}.",
            _ => throw new ArgumentOutOfRangeException(nameof(relation)),
        };
    }

    public override IReadOnlyList<string> ZeroShotPrompts(int classId)
    {
        string np = NounPhrase(new(classId, null));
        return [$"Una foto de {np}.", $"Una foto en blanco y negro de {np}.", $"Esto es {np}.", $"{Capitalize(np)}."];
    }
}
