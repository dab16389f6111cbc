namespace Siglip2.Data;

/// <summary>
/// Chinese (simplified): a numeral needs the noun's measure word (一件T恤, 一条裤子, 一只运动鞋, 一个包);
/// colours attach with 的 in full phrases and directly in short descriptions; lists use 、 and 和.
/// </summary>
public sealed class ChineseCaptions : CaptionLanguage
{
    private static readonly (string Noun, string Classifier)[] Classes =
    [
        ("T恤", "件"), ("裤子", "条"), ("套头衫", "件"), ("连衣裙", "条"), ("外套", "件"),
        ("凉鞋", "只"), ("衬衫", "件"), ("运动鞋", "只"), ("包", "个"), ("短靴", "只"),
    ];
    private static readonly string[] Colors = ["红色", "橙色", "黄色", "绿色", "蓝色", "紫色", "粉色", "棕色", "白色", "黑色"];
    private static readonly string[] Counts = ["", "", "两", "三", "四"];

    public override string Code => "zh";
    public override string EnglishName => "Chinese";
    public override string NativeName => "中文";

    public override string ClassName(int classId) => Classes[classId].Noun;
    public override string ColorName(int colorId) => Colors[colorId];

    public override string Description(ItemDescription item) =>
        item.ColorId is int c ? Colors[c] + Classes[item.ClassId].Noun : Classes[item.ClassId].Noun;

    public override string NounPhrase(ItemDescription item)
    {
        var (noun, classifier) = Classes[item.ClassId];
        return item.ColorId is int c ? $"一{classifier}{Colors[c]}的{noun}" : $"一{classifier}{noun}";
    }

    public override string SingleItemCaption(ItemDescription item, SceneRandom random) => Pick(random,
        $"{NounPhrase(item)}。", $"一张{Description(item)}的照片。", $"图中有{NounPhrase(item)}。", $"这是{NounPhrase(item)}。");

    public override string GrayItemCaption(int classId, SceneRandom random)
    {
        ItemDescription item = new(classId, null);
        return Pick(random, $"一张{Description(item)}的黑白照片。", $"黑色背景上的{Description(item)}。", $"一张{Description(item)}的照片。");
    }

    public override string MultiItemCaption(IReadOnlyList<ItemDescription> items, SceneRandom random)
    {
        CheckCount(items);
        string list = JoinList(items.Select(NounPhrase).ToList(), "、", "和");
        return Pick(random, $"{list}。", $"图中有{list}。", $"{Counts[items.Count]}件物品：{list}。");
    }

    public override string RelationCaption(ItemDescription subject, SpatialRelation relation, ItemDescription reference, SceneRandom random)
    {
        var (first, second, horizontal) = Ordered(subject, relation, reference);
        return horizontal
            ? $"左边是{NounPhrase(first)}，右边是{NounPhrase(second)}。"
            : $"上面是{NounPhrase(first)}，下面是{NounPhrase(second)}。";
    }

    public override IReadOnlyList<string> ZeroShotPrompts(int classId)
    {
        ItemDescription item = new(classId, null);
        return [$"一张{ClassName(classId)}的照片。", $"一张{ClassName(classId)}的黑白照片。", $"这是{NounPhrase(item)}。", $"{ClassName(classId)}。"];
    }
}
