namespace Siglip2.Data;

/// <summary>
/// Japanese: no articles or number; colours are attributive i-adjectives (赤い, 青い) or noun + の
/// (緑の, オレンジ色の); lists join with 、 and と.
/// </summary>
public sealed class JapaneseCaptions : CaptionLanguage
{
    private static readonly string[] Classes =
        ["Tシャツ", "ズボン", "セーター", "ワンピース", "コート", "サンダル", "シャツ", "スニーカー", "バッグ", "アンクルブーツ"];
    private static readonly string[] Colors = ["赤い", "オレンジ色の", "黄色い", "緑の", "青い", "紫の", "ピンクの", "茶色の", "白い", "黒い"];
    private static readonly string[] Counts = ["", "", "二", "三", "四"];

    public override string Code => "ja";
    public override string EnglishName => "Japanese";
    public override string NativeName => "日本語";

    public override string ClassName(int classId) => Classes[classId];
    public override string ColorName(int colorId) => Colors[colorId];

    public override string Description(ItemDescription item) =>
        item.ColorId is int c ? Colors[c] + Classes[item.ClassId] : Classes[item.ClassId];

    public override string NounPhrase(ItemDescription item) => Description(item);

    public override string SingleItemCaption(ItemDescription item, SceneRandom random)
    {
        string np = NounPhrase(item);
        return Pick(random, $"{np}の写真。", $"{np}。", $"{np}が写っている写真。", $"これは{np}です。");
    }

    public override string GrayItemCaption(int classId, SceneRandom random)
    {
        string np = NounPhrase(new(classId, null));
        return Pick(random, $"{np}の白黒写真。", $"黒い背景の{np}。", $"{np}の写真。");
    }

    public override string MultiItemCaption(IReadOnlyList<ItemDescription> items, SceneRandom random)
    {
        CheckCount(items);
        string list = JoinList(items.Select(NounPhrase).ToList(), "、", "と");
        return Pick(random, $"{list}の写真。", $"{list}が写っている。", $"アイテム{Counts[items.Count]}点：{list}。");
    }

    public override string RelationCaption(ItemDescription subject, SpatialRelation relation, ItemDescription reference, SceneRandom random)
    {
        if (random.Chance(0.5))
        {
            var (first, second, horizontal) = Ordered(subject, relation, reference);
            return horizontal
                ? $"左に{NounPhrase(first)}、右に{NounPhrase(second)}。"
                : $"上に{NounPhrase(first)}、下に{NounPhrase(second)}。";
        }
        string a = NounPhrase(subject), b = NounPhrase(reference);
        return relation switch
        {
            SpatialRelation.LeftOf => $"{b}の左に{a}。",
            SpatialRelation.RightOf => $"{b}の右に{a}。",
            SpatialRelation.Above => $"{b}の上に{a}。",
            SpatialRelation.Below => $"{b}の下に{a}。",
            _ => throw new ArgumentOutOfRangeException(nameof(relation)),
        };
    }

    public override IReadOnlyList<string> ZeroShotPrompts(int classId)
    {
        string n = ClassName(classId);
        return [$"{n}の写真。", $"{n}の白黒写真。", $"これは{n}です。", $"{n}。"];
    }
}
