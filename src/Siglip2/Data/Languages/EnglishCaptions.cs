namespace Siglip2.Data;

/// <summary>English: a/an by the next word's first letter; trousers are "a pair of trousers".</summary>
public sealed class EnglishCaptions : CaptionLanguage
{
    private static readonly string[] Classes =
        ["T-shirt", "trousers", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"];
    private static readonly string[] Colors =
        ["red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "white", "black"];
    private static readonly string[] Counts = ["", "", "Two", "Three", "Four"];
    private const int Trousers = 1;

    public override string Code => "en";
    public override string EnglishName => "English";
    public override string NativeName => "English";

    public override string ClassName(int classId) => Classes[classId];
    public override string ColorName(int colorId) => Colors[colorId];

    public override string Description(ItemDescription item) =>
        item.ColorId is int c ? $"{Colors[c]} {Classes[item.ClassId]}" : Classes[item.ClassId];

    public override string NounPhrase(ItemDescription item)
    {
        string description = Description(item);
        if (item.ClassId == Trousers) return "a pair of " + description;
        return ("aeiou".Contains(description[0]) ? "an " : "a ") + description;
    }

    public override string SingleItemCaption(ItemDescription item, SceneRandom random)
    {
        string np = NounPhrase(item);
        return Pick(random, $"A photo of {np}.", $"{Capitalize(np)}.", $"An image of {np}.", $"A picture of {np}.",
            $"There is {np} in the picture.");
    }

    public override string GrayItemCaption(int classId, SceneRandom random)
    {
        string np = NounPhrase(new(classId, null));
        return Pick(random, $"A photo of {np}.", $"A black and white photo of {np}.", $"{Capitalize(np)} on a black background.",
            $"A grayscale image of {np}.", $"{Capitalize(np)}.");
    }

    public override string MultiItemCaption(IReadOnlyList<ItemDescription> items, SceneRandom random)
    {
        CheckCount(items);
        string list = JoinList(items.Select(NounPhrase).ToList(), ", ", " and ");
        return Pick(random, $"{Capitalize(list)}.", $"A photo of {list}.", $"{Counts[items.Count]} items: {list}.");
    }

    public override string RelationCaption(ItemDescription subject, SpatialRelation relation, ItemDescription reference, SceneRandom random)
    {
        string a = Capitalize(NounPhrase(subject)), b = NounPhrase(reference);
        return relation switch
        {
            SpatialRelation.LeftOf => Pick(random, $"{a} to the left of {b}.", $"{a} left of {b}."),
            SpatialRelation.RightOf => Pick(random, $"{a} to the right of {b}.", $"{a} right of {b}."),
            SpatialRelation.Above => $"{a} above {b}.",
            SpatialRelation.Below => $"{a} below {b}.",
            _ => throw new ArgumentOutOfRangeException(nameof(relation)),
        };
    }

    public override IReadOnlyList<string> ZeroShotPrompts(int classId)
    {
        string np = NounPhrase(new(classId, null));
        return [$"A photo of {np}.", $"A black and white photo of {np}.", $"This is {np}.", $"{Capitalize(np)}."];
    }
}
