namespace Siglip2.Data;

/// <summary>
/// Korean: colour modifiers precede the noun (빨간 운동화, 초록색 가방); particles follow the last syllable's
/// final consonant (이/가, 과/와), which is read from the Hangul syllable block.
/// </summary>
public sealed class KoreanCaptions : CaptionLanguage
{
    private static readonly string[] Classes =
        ["티셔츠", "바지", "스웨터", "원피스", "코트", "샌들", "셔츠", "운동화", "가방", "앵클부츠"];
    private static readonly string[] Colors = ["빨간", "주황색", "노란", "초록색", "파란", "보라색", "분홍색", "갈색", "흰", "검은"];
    private static readonly string[] Counts = ["", "", "두", "세", "네"];

    public override string Code => "ko";
    public override string EnglishName => "Korean";
    public override string NativeName => "한국어";

    public override string ClassName(int classId) => Classes[classId];
    public override string ColorName(int colorId) => Colors[colorId];

    public override string Description(ItemDescription item) =>
        item.ColorId is int c ? $"{Colors[c]} {Classes[item.ClassId]}" : Classes[item.ClassId];

    public override string NounPhrase(ItemDescription item) => Description(item);

    /// <summary>Whether the word's last Hangul syllable has a final consonant (batchim).</summary>
    internal static bool EndsWithConsonant(string word)
    {
        char last = word[^1];
        return last is >= '\uAC00' and <= '\uD7A3' && (last - 0xAC00) % 28 != 0;
    }

    private static string Subject(string np) => np + (EndsWithConsonant(np) ? "이" : "가");
    private static string And(string np) => np + (EndsWithConsonant(np) ? "과" : "와");

    private string List(IReadOnlyList<ItemDescription> items)
    {
        var parts = items.Select(Description).ToList();
        // "A, B와 C": commas between, the comitative particle on the next-to-last item.
        parts[^2] = And(parts[^2]);
        return JoinList(parts, ", ", " ");
    }

    public override string SingleItemCaption(ItemDescription item, SceneRandom random)
    {
        string np = NounPhrase(item);
        return Pick(random, $"{np} 사진.", $"{np}.", $"이것은 {np}입니다.", $"{Subject(np)} 있는 사진.");
    }

    public override string GrayItemCaption(int classId, SceneRandom random)
    {
        string np = NounPhrase(new(classId, null));
        return Pick(random, $"{np} 흑백 사진.", $"검은 배경의 {np}.", $"{np} 사진.");
    }

    public override string MultiItemCaption(IReadOnlyList<ItemDescription> items, SceneRandom random)
    {
        CheckCount(items);
        string list = List(items);
        return Pick(random, $"{list} 사진.", $"물건 {Counts[items.Count]} 개: {list}.", $"{Subject(list)} 있는 사진.");
    }

    public override string RelationCaption(ItemDescription subject, SpatialRelation relation, ItemDescription reference, SceneRandom random)
    {
        if (random.Chance(0.5))
        {
            var (first, second, horizontal) = Ordered(subject, relation, reference);
            return horizontal
                ? $"왼쪽에 {NounPhrase(first)}, 오른쪽에 {NounPhrase(second)}."
                : $"위에 {NounPhrase(first)}, 아래에 {NounPhrase(second)}.";
        }
        string a = NounPhrase(subject), b = NounPhrase(reference);
        return relation switch
        {
            SpatialRelation.LeftOf => $"{b} 왼쪽에 {a}.",
            SpatialRelation.RightOf => $"{b} 오른쪽에 {a}.",
            SpatialRelation.Above => $"{b} 위에 {a}.",
            SpatialRelation.Below => $"{b} 아래에 {a}.",
            _ => throw new ArgumentOutOfRangeException(nameof(relation)),
        };
    }

    public override IReadOnlyList<string> ZeroShotPrompts(int classId)
    {
        string n = ClassName(classId);
        return [$"{n} 사진.", $"{n} 흑백 사진.", $"이것은 {n}입니다.", $"{n}."];
    }
}
