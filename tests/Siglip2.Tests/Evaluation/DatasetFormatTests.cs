using Siglip2.Data;

namespace Siglip2.Tests.Evaluation;

/// <summary>The readers of the standard benchmark layouts, on tiny files written in exactly those formats.</summary>
public class DatasetFormatTests
{
    private static void Touch(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [1]);
    }

    [Fact]
    public void ClassFoldersAreSortedAndNamedFromTheFolderOrAFile()
    {
        using var tmp = new TempDirectory();
        string root = tmp.File("val");
        Touch(Path.Combine(root, "n02", "b.JPEG"));
        Touch(Path.Combine(root, "n02", "a.jpg"));
        Touch(Path.Combine(root, "n01", "sub", "x.png"));
        Touch(Path.Combine(root, "n01", "notes.txt"));     // not an image: ignored
        Touch(Path.Combine(root, "golden_retriever", "g.webp"));
        Directory.CreateDirectory(Path.Combine(root, ".cache"));

        var data = ClassFolderDataset.Load(root);
        Assert.Equal(["golden_retriever", "n01", "n02"], data.Folders);
        Assert.Equal(["golden retriever", "n01", "n02"], data.ClassNames);
        Assert.Equal([0, 1, 2, 2], data.Images.Select(i => i.Label));
        Assert.Equal(["g.webp", "x.png", "a.jpg", "b.JPEG"], data.Images.Select(i => Path.GetFileName(i.Path)));

        File.WriteAllText(tmp.File("names.txt"), "golden retriever\ntench\ngoldfish\n\n");
        Assert.Equal(["golden retriever", "tench", "goldfish"], ClassFolderDataset.Load(root, tmp.File("names.txt")).ClassNames);

        // folder<TAB>name: lines for absent folders are ignored (one 1000-class file serves a subset)
        File.WriteAllText(tmp.File("map.tsv"), "n02\tgoldfish\r\nn00\tshark\r\nn01\ttench\r\ngolden_retriever\tgolden retriever\r\n");
        Assert.Equal(["golden retriever", "tench", "goldfish"], ClassFolderDataset.Load(root, tmp.File("map.tsv")).ClassNames);

        File.WriteAllText(tmp.File("short.txt"), "tench\ngoldfish\n");
        Assert.Contains("2 names but there are 3 class folders", Assert.Throws<Siglip2Exception>(() => ClassFolderDataset.Load(root, tmp.File("short.txt"))).Message);
        File.WriteAllText(tmp.File("partial.tsv"), "n01\ttench\nn02\tgoldfish\n");
        Assert.Contains("no line for the class folder 'golden_retriever'", Assert.Throws<Siglip2Exception>(() => ClassFolderDataset.Load(root, tmp.File("partial.tsv"))).Message);
        Assert.Contains("not found", Assert.Throws<Siglip2Exception>(() => ClassFolderDataset.Load(tmp.File("nope"))).Message);
    }

    [Fact]
    public void KarpathyJsonKeepsTheSplitAndJoinsFilepath()
    {
        using var tmp = new TempDirectory();
        File.WriteAllText(tmp.File("dataset_coco.json"), """
            {"images": [
              {"filepath": "val2014", "filename": "a.jpg", "split": "test", "imgid": 0, "sentences": [{"raw": "A dog. ", "tokens": ["a", "dog"]}, {"raw": "a hound"}]},
              {"filepath": "train2014", "filename": "b.jpg", "split": "train", "sentences": [{"raw": "a cat"}]},
              {"filepath": "val2014", "filename": "c.jpg", "split": "restval", "sentences": [{"raw": "a bird"}]},
              {"filepath": "val2014", "filename": "d.jpg", "split": "test", "sentences": [{"raw": "a car"}]}
            ], "dataset": "coco"}
            """);
        var test = KarpathyCaptions.Load(tmp.File("dataset_coco.json"), tmp.Path);
        Assert.Equal([Path.Combine(tmp.Path, "val2014", "a.jpg"), Path.Combine(tmp.Path, "val2014", "d.jpg")], test.Select(i => i.ImagePath));
        Assert.Equal(["A dog.", "a hound"], test[0].Captions);
        Assert.Single(KarpathyCaptions.Load(tmp.File("dataset_coco.json"), tmp.Path, "train"));
        var e = Assert.Throws<Siglip2Exception>(() => KarpathyCaptions.Load(tmp.File("dataset_coco.json"), tmp.Path, "val"));
        Assert.Contains("restval, test, train", e.Message);

        // Flickr30k: no filepath
        File.WriteAllText(tmp.File("dataset_flickr30k.json"), """{"images": [{"filename": "1000092795.jpg", "split": "test", "sentences": [{"raw": "Two young guys"}]}]}""");
        Assert.Equal(Path.Combine(tmp.Path, "1000092795.jpg"), KarpathyCaptions.Load(tmp.File("dataset_flickr30k.json"), tmp.Path).Single().ImagePath);

        File.WriteAllText(tmp.File("escape.json"), """{"images": [{"filename": "../../etc/passwd", "split": "test", "sentences": [{"raw": "x"}]}]}""");
        Assert.Contains("outside the images folder", Assert.Throws<Siglip2Exception>(() => KarpathyCaptions.Load(tmp.File("escape.json"), tmp.Path)).Message);
        File.WriteAllText(tmp.File("other.json"), """{"annotations": []}""");
        Assert.Contains("top-level \"images\" array", Assert.Throws<Siglip2Exception>(() => KarpathyCaptions.Load(tmp.File("other.json"), tmp.Path)).Message);
        File.WriteAllText(tmp.File("broken.json"), """{"images": [""");
        Assert.Contains("not valid JSON", Assert.Throws<Siglip2Exception>(() => KarpathyCaptions.Load(tmp.File("broken.json"), tmp.Path)).Message);
    }

    [Theory]
    [InlineData("""{"images": [5]}""")]
    [InlineData("""{"images": [{"filename": 3, "split": "test"}]}""")]
    [InlineData("""{"images": [{"filename": "a\u0000.jpg", "split": "test", "sentences": [{"raw": "x"}]}]}""")]
    [InlineData("""{"images": [{"filename": "a.jpg", "split": "test", "sentences": [7, {"raw": 3}]}]}""")]
    [InlineData("""[]""")]
    [InlineData("""{"images": {"a": 1}}""")]
    public void OddKarpathyFilesAreRefusedCleanly(string json)
    {
        using var tmp = new TempDirectory();
        File.WriteAllText(tmp.File("d.json"), json);
        Assert.Throws<Siglip2Exception>(() => KarpathyCaptions.Load(tmp.File("d.json"), tmp.Path));
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("{\"image/key\": 5}")]
    [InlineData("{\"image/key\": \"k\", \"en\": {\"caption\": 5}}")]
    [InlineData("{\"image/key\": \"k\", \"en\": [\"x\"]}")]
    [InlineData("\"just a string\"")]
    public void OddXm3600LinesAreRefusedCleanly(string line)
    {
        using var tmp = new TempDirectory();
        File.WriteAllText(tmp.File("captions.jsonl"), line + "\n");
        Assert.Throws<Siglip2Exception>(() => Xm3600Captions.Load(tmp.File("captions.jsonl"), tmp.Path));
        File.WriteAllText(tmp.File("en.jsonl"), line + "\n");
        Directory.CreateDirectory(tmp.File("per"));
        File.Move(tmp.File("en.jsonl"), Path.Combine(tmp.File("per"), "en.jsonl"));
        Assert.Throws<Siglip2Exception>(() => Xm3600Captions.Load(tmp.File("per"), tmp.Path));
    }

    [Fact]
    public void Xm3600CaptionsJsonlIsReadPerLanguage()
    {
        using var tmp = new TempDirectory();
        // the published format: one line per image, per-language objects with caption lists (and tokenized variants)
        File.WriteAllText(tmp.File("captions.jsonl"), """
            {"image/key": "000411001ff7dd4f", "en": {"caption": ["A red car.", "A car"], "caption/tokenized": ["a red car ."]}, "de": {"caption": ["Ein rotes Auto"]}}
            {"image/key": "00170f0fb7fbd4fe", "en": {"caption": ["Two dogs"]}, "de": {"caption": []}}

            """);
        var images = tmp.File("images");
        var all = Xm3600Captions.Load(tmp.File("captions.jsonl"), images);
        Assert.Equal(["en", "de"], all.Languages.Select(l => l.Language));
        var en = all.Languages[0].Images;
        Assert.Equal([Path.Combine(images, "000411001ff7dd4f.jpg"), Path.Combine(images, "00170f0fb7fbd4fe.jpg")], en.Select(i => i.ImagePath));
        Assert.Equal(["A red car.", "A car"], en[0].Captions);
        Assert.Single(all.Languages[1].Images); // no German caption for the second image: not in the German benchmark
        // the folder holding captions.jsonl works too; --languages picks and orders
        Assert.Equal(["de"], Xm3600Captions.Load(tmp.Path, images, ["de"]).Languages.Select(l => l.Language));
        Assert.Contains("languages there: en,de", Assert.Throws<Siglip2Exception>(() => Xm3600Captions.Load(tmp.Path, images, ["fr"])).Message);
        File.WriteAllText(tmp.File("bad.jsonl"), """{"en": {"caption": ["x"]}}""");
        Assert.Contains("line 1: no \"image/key\"", Assert.Throws<Siglip2Exception>(() => Xm3600Captions.Load(tmp.File("bad.jsonl"), images)).Message);
    }

    [Fact]
    public void OneCaptionFilePerLanguageInTxtOrJsonl()
    {
        using var tmp = new TempDirectory();
        string captions = Path.Combine(tmp.Path, "captions");
        Directory.CreateDirectory(captions);
        File.WriteAllText(Path.Combine(captions, "en.txt"), "a.jpg\ta cat\nb.jpg\ta dog\na.jpg\ta kitten\n");
        File.WriteAllText(Path.Combine(captions, "zh.jsonl"), "{\"image\": \"b.jpg\", \"caption\": \"一只狗\"}\n{\"image\": \"a.jpg\", \"captions\": [\"一只猫\", \"小猫\"]}\n");
        var x = Xm3600Captions.Load(tmp.Path, tmp.Path);
        Assert.Equal(["en", "zh"], x.Languages.Select(l => l.Language));
        Assert.Equal(["a cat", "a kitten"], x.Languages[0].Images[0].Captions);
        Assert.Equal(Path.Combine(tmp.Path, "b.jpg"), x.Languages[1].Images[0].ImagePath);
        Assert.Equal(["一只猫", "小猫"], x.Languages[1].Images[1].Captions);
        File.WriteAllText(Path.Combine(captions, "fr.txt"), "a.jpg un chat\n");
        Assert.Contains("fr.txt, line 1: expected image<TAB>caption", Assert.Throws<Siglip2Exception>(() => Xm3600Captions.Load(tmp.Path, tmp.Path)).Message);
    }

    [Fact]
    public void BuiltInTemplatesAreTheDocumentedSets()
    {
        Assert.Equal(80, PromptTemplates.Clip80.Count);
        Assert.Equal(80, PromptTemplates.Clip80.Distinct().Count());
        Assert.All(PromptTemplates.Clip80, t => Assert.Single(t.Split("{}").Skip(1)));
        Assert.Equal("a bad photo of a {}.", PromptTemplates.Clip80[0]);
        Assert.Equal("a tattoo of the {}.", PromptTemplates.Clip80[^1]);
        // big_vision's canonicalised clip_paper: 80 + "{}", no punctuation, lowercase
        Assert.Equal(81, PromptTemplates.Siglip.Count);
        Assert.Equal("a bad photo of a {}", PromptTemplates.Siglip[0]);
        Assert.Contains("a closeup photo of a {}", PromptTemplates.Siglip);
        Assert.Equal("{}", PromptTemplates.Siglip[^1]);
        Assert.Equal(["itap of a {}", "a bad photo of the {}", "a origami {}", "a photo of the large {}", "a {} in a video game", "art of the {}", "a photo of the small {}", "{}"], PromptTemplates.ClipBest);
        Assert.Equal("a photo of {}s", PromptTemplates.Canonicalize("  A  Photo_of {}'s!"));
        Assert.Equal("a photo of a dog.", PromptTemplates.Apply("a photo of a {}.", "dog"));
    }

    [Fact]
    public void TemplateFilesNeedOnePlaceholderPerLine()
    {
        using var tmp = new TempDirectory();
        File.WriteAllText(tmp.File("t.txt"), "a photo of a {}.\n\nart of the {}\n");
        Assert.Equal(["a photo of a {}.", "art of the {}"], PromptTemplates.Resolve(tmp.File("t.txt")));
        File.WriteAllText(tmp.File("bad.txt"), "a photo of a {}.\na photo\n");
        Assert.Contains("line 2: a template needs exactly one {}", Assert.Throws<Siglip2Exception>(() => PromptTemplates.Resolve(tmp.File("bad.txt"))).Message);
        Assert.Contains("neither a built-in set", Assert.Throws<Siglip2Exception>(() => PromptTemplates.Resolve("clip81")).Message);
    }
}
