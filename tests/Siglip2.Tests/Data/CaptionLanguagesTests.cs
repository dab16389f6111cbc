using Siglip2.Data;

namespace Siglip2.Tests.Data;

public class CaptionLanguagesTests
{
    private const int TShirt = 0, Trouser = 1, Pullover = 2, Dress = 3, Coat = 4, Sandal = 5, Shirt = 6, Sneaker = 7, Bag = 8, AnkleBoot = 9;
    private const int Red = 0, Orange = 1, Yellow = 2, Green = 3, Blue = 4, Pink = 6, White = 8, Black = 9;

    // Hand-written translations (not read from the code under test), class by Fashion-MNIST label.
    public static readonly Dictionary<string, string[]> ExpectedClassNames = new()
    {
        ["en"] = ["T-shirt", "trousers", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"],
        ["de"] = ["T-Shirt", "Hose", "Pullover", "Kleid", "Mantel", "Sandale", "Hemd", "Turnschuh", "Tasche", "Stiefelette"],
        ["fr"] = ["t-shirt", "pantalon", "pull", "robe", "manteau", "sandale", "chemise", "basket", "sac", "bottine"],
        ["es"] = ["camiseta", "pantalón", "jersey", "vestido", "abrigo", "sandalia", "camisa", "zapatilla", "bolso", "botín"],
        ["ru"] = ["футболка", "брюки", "свитер", "платье", "пальто", "сандалия", "рубашка", "кроссовок", "сумка", "ботинок"],
        ["zh"] = ["T恤", "裤子", "套头衫", "连衣裙", "外套", "凉鞋", "衬衫", "运动鞋", "包", "短靴"],
        ["ja"] = ["Tシャツ", "ズボン", "セーター", "ワンピース", "コート", "サンダル", "シャツ", "スニーカー", "バッグ", "アンクルブーツ"],
        ["ar"] = ["تي شيرت", "بنطال", "كنزة", "فستان", "معطف", "صندل", "قميص", "حذاء رياضي", "حقيبة", "بوت قصير"],
        ["hi"] = ["टी-शर्ट", "पैंट", "स्वेटर", "ड्रेस", "कोट", "सैंडल", "कमीज़", "स्नीकर", "बैग", "एंकल बूट"],
        ["ko"] = ["티셔츠", "바지", "스웨터", "원피스", "코트", "샌들", "셔츠", "운동화", "가방", "앵클부츠"],
    };

    // Colour words as they appear in captions; "|" separates inflected forms that share no stem.
    public static readonly Dictionary<string, string[]> ExpectedColorWords = new()
    {
        ["en"] = ["red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "white", "black"],
        ["de"] = ["rot", "orangefarben", "gelb", "grün", "blau", "violett", "rosa", "braun", "weiß", "schwarz"],
        ["fr"] = ["rouge", "orange", "jaune", "vert", "bleu", "violet", "rose", "marron", "blanc", "noir"],
        ["es"] = ["roj", "naranja", "amarill", "verde", "azul", "morad", "rosa", "marrón", "blanc", "negr"],
        ["ru"] = ["красн", "оранжев", "жёлт", "зелён", "син", "фиолетов", "розов", "коричнев", "бел", "чёрн"],
        ["zh"] = ["红色", "橙色", "黄色", "绿色", "蓝色", "紫色", "粉色", "棕色", "白色", "黑色"],
        ["ja"] = ["赤い", "オレンジ色の", "黄色い", "緑の", "青い", "紫の", "ピンクの", "茶色の", "白い", "黒い"],
        ["ar"] = ["أحمر|حمراء", "برتقالي", "أصفر|صفراء", "أخضر|خضراء", "أزرق|زرقاء", "بنفسجي", "وردي", "بني", "أبيض|بيضاء", "أسود|سوداء"],
        ["hi"] = ["लाल", "नारंगी", "पील", "हर", "नील", "बैंगनी", "गुलाबी", "भूर", "सफ़ेद", "काल"],
        ["ko"] = ["빨간", "주황색", "노란", "초록색", "파란", "보라색", "분홍색", "갈색", "흰", "검은"],
    };

    [Fact]
    public void TenLanguagesWithTheirClassNames()
    {
        Assert.Equal(["en", "de", "fr", "es", "ru", "zh", "ja", "ar", "hi", "ko"], CaptionLanguages.Codes);
        foreach (var language in CaptionLanguages.All)
            for (int c = 0; c < 10; c++)
                Assert.Equal(ExpectedClassNames[language.Code][c], language.ClassName(c));
        Assert.Same(CaptionLanguages.All[3], CaptionLanguages.Get("ES"));
        var e = Assert.Throws<Siglip2Exception>(() => CaptionLanguages.Get("xx"));
        Assert.Contains("en, de, fr", e.Message);
    }

    [Fact]
    public void EveryClassAndColourOfEveryLanguageAppearsInGeneratedCaptions()
    {
        var scenes = new FashionScenes(SharedFashionMnist.Data, new FashionScenesConfig { Seed = 12, EnglishShare = 0.1 }, SceneSplit.Train);
        var captions = CaptionLanguages.Codes.ToDictionary(c => c, _ => new List<string>());
        for (int i = 0; i < 4000; i++)
        {
            var s = scenes.Generate(i);
            captions[s.Language].Add(s.Caption);
        }
        foreach (var (code, texts) in captions)
        {
            string all = string.Join("\n", texts);
            foreach (var name in ExpectedClassNames[code]) Assert.Contains(name, all);
            foreach (var forms in ExpectedColorWords[code])
                Assert.True(forms.Split('|').Any(all.Contains), $"{code}: no caption uses {forms}");
        }
    }

    public static TheoryData<string, int, int?, string> Phrases => new()
    {
        { "en", AnkleBoot, Orange, "an orange ankle boot" },
        { "en", Trouser, Red, "a pair of red trousers" },
        { "en", Bag, null, "a bag" },
        { "en", AnkleBoot, null, "an ankle boot" },
        { "de", Bag, Red, "eine rote Tasche" },
        { "de", Sneaker, Blue, "ein blauer Turnschuh" },
        { "de", Dress, Green, "ein grünes Kleid" },
        { "de", Coat, Pink, "ein rosa Mantel" },
        { "de", Trouser, White, "eine weiße Hose" },
        { "fr", Bag, White, "un sac blanc" },
        { "fr", Dress, White, "une robe blanche" },
        { "fr", Sneaker, Green, "une basket verte" },
        { "fr", Coat, Orange, "un manteau orange" },
        { "es", Bag, Red, "un bolso rojo" },
        { "es", Shirt, Red, "una camisa roja" },
        { "es", AnkleBoot, Yellow, "un botín amarillo" },
        { "ru", Bag, Blue, "синяя сумка" },
        { "ru", Trouser, Red, "красные брюки" },
        { "ru", Dress, Black, "чёрное платье" },
        { "ru", Sneaker, Yellow, "жёлтый кроссовок" },
        { "ru", Coat, Blue, "синее пальто" },
        { "zh", Bag, Red, "一个红色的包" },
        { "zh", Trouser, Blue, "一条蓝色的裤子" },
        { "zh", Sneaker, null, "一只运动鞋" },
        { "ja", Sneaker, Red, "赤いスニーカー" },
        { "ja", Bag, Green, "緑のバッグ" },
        { "ko", Sneaker, Red, "빨간 운동화" },
        { "ko", Bag, Green, "초록색 가방" },
        { "ar", Bag, Red, "حقيبة حمراء" },
        { "ar", Coat, Red, "معطف أحمر" },
        { "ar", Pullover, Blue, "كنزة زرقاء" },
        { "hi", Bag, Blue, "एक नीला बैग" },
        { "hi", Trouser, Blue, "एक नीली पैंट" },
        { "hi", Coat, Red, "एक लाल कोट" },
    };

    [Theory]
    [MemberData(nameof(Phrases))]
    public void NounPhrasesAgreeInGenderNumberAndUseTheRightArticleOrClassifier(string code, int classId, int? colorId, string expected) =>
        Assert.Equal(expected, CaptionLanguages.Get(code).NounPhrase(new ItemDescription(classId, colorId)));

    /// <summary>All captions a language can produce for a call, collected over many random streams.</summary>
    private static HashSet<string> Variants(Func<SceneRandom, string> make) =>
        Enumerable.Range(0, 200).Select(i => make(new SceneRandom(1, 0, i))).ToHashSet();

    [Fact]
    public void CaseAndParticleFormsInSentences()
    {
        var de = CaptionLanguages.Get("de");
        var sneaker = new ItemDescription(Sneaker, Blue);
        var bag = new ItemDescription(Bag, Red);
        Assert.Contains("Das Bild zeigt einen blauen Turnschuh.", Variants(r => de.SingleItemCaption(sneaker, r)));
        Assert.Contains("Ein Foto von einer roten Tasche.", Variants(r => de.SingleItemCaption(bag, r)));
        Assert.Contains("Ein blauer Turnschuh links neben einer roten Tasche.",
            Variants(r => de.RelationCaption(sneaker, SpatialRelation.LeftOf, bag, r)));
        Assert.Contains("Links eine rote Tasche, rechts ein blauer Turnschuh.",
            Variants(r => de.RelationCaption(sneaker, SpatialRelation.RightOf, bag, r)));

        var fr = CaptionLanguages.Get("fr");
        Assert.Contains("Une photo d'un sac rouge.", Variants(r => fr.SingleItemCaption(bag, r)));
        Assert.Contains("Un sac rouge au-dessus d'une robe verte.",
            Variants(r => fr.RelationCaption(bag, SpatialRelation.Above, new ItemDescription(Dress, Green), r)));

        var hi = CaptionLanguages.Get("hi");
        Assert.Contains("एक नीले बैग की तस्वीर।", Variants(r => hi.SingleItemCaption(new ItemDescription(Bag, Blue), r)));
        Assert.Contains("एक नीली पैंट की तस्वीर।", Variants(r => hi.SingleItemCaption(new ItemDescription(Trouser, Blue), r)));

        var ko = CaptionLanguages.Get("ko");
        Assert.Contains("초록색 가방이 있는 사진.", Variants(r => ko.SingleItemCaption(new ItemDescription(Bag, Green), r)));
        Assert.Contains("빨간 운동화가 있는 사진.", Variants(r => ko.SingleItemCaption(new ItemDescription(Sneaker, Red), r)));
        Assert.Contains("빨간 운동화와 초록색 가방 사진.",
            Variants(r => ko.MultiItemCaption([new ItemDescription(Sneaker, Red), new ItemDescription(Bag, Green)], r)));
        Assert.Contains("초록색 가방과 빨간 운동화 사진.",
            Variants(r => ko.MultiItemCaption([new ItemDescription(Bag, Green), new ItemDescription(Sneaker, Red)], r)));

        var ar = CaptionLanguages.Get("ar");
        Assert.Contains("في الصورة حقيبة حمراء ومعطف أزرق.",
            Variants(r => ar.MultiItemCaption([new ItemDescription(Bag, Red), new ItemDescription(Coat, Blue)], r)));

        var en = CaptionLanguages.English;
        Assert.Contains("Three items: a red bag, a blue sneaker and a pair of white trousers.",
            Variants(r => en.MultiItemCaption([bag, sneaker, new ItemDescription(Trouser, White)], r)));
        Assert.Contains("A red bag below a blue sneaker.", Variants(r => en.RelationCaption(bag, SpatialRelation.Below, sneaker, r)));

        var zh = CaptionLanguages.Get("zh");
        Assert.Contains("上面是一个红色的包，下面是一只蓝色的运动鞋。", Variants(r => zh.RelationCaption(sneaker, SpatialRelation.Below, bag, r)));
    }

    [Fact]
    public void ZeroShotPromptsNameTheClassInEveryLanguage()
    {
        Assert.Equal(["A photo of a sneaker.", "A black and white photo of a sneaker.", "This is a sneaker.", "A sneaker."],
            CaptionLanguages.English.ZeroShotPrompts(Sneaker));
        Assert.Contains("Ein Foto von einem Turnschuh.", CaptionLanguages.Get("de").ZeroShotPrompts(Sneaker));
        Assert.Contains("Ein Foto von einer Tasche.", CaptionLanguages.Get("de").ZeroShotPrompts(Bag));
        Assert.Contains("Une photo d'une robe.", CaptionLanguages.Get("fr").ZeroShotPrompts(Dress));
        Assert.Contains("هذه حقيبة.", CaptionLanguages.Get("ar").ZeroShotPrompts(Bag));
        Assert.Contains("هذا معطف.", CaptionLanguages.Get("ar").ZeroShotPrompts(Coat));
        Assert.Contains("一张运动鞋的照片。", CaptionLanguages.Get("zh").ZeroShotPrompts(Sneaker));
        foreach (var language in CaptionLanguages.All)
        {
            var all = new HashSet<string>();
            for (int c = 0; c < 10; c++)
            {
                var prompts = language.ZeroShotPrompts(c);
                Assert.True(prompts.Count >= 3);
                Assert.All(prompts, p => Assert.Contains(ExpectedClassNames[language.Code][c], p, StringComparison.OrdinalIgnoreCase));
                Assert.All(prompts, p => Assert.True(all.Add(p), $"{language.Code}: prompt '{p}' repeats"));
            }
        }
    }

    [Fact]
    public void KoreanFinalConsonantDetection()
    {
        Assert.True(KoreanCaptions.EndsWithConsonant("가방"));
        Assert.True(KoreanCaptions.EndsWithConsonant("샌들"));
        Assert.False(KoreanCaptions.EndsWithConsonant("운동화"));
        Assert.False(KoreanCaptions.EndsWithConsonant("코트"));
    }
}
