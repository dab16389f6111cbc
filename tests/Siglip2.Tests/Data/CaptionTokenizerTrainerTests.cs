using System.Diagnostics;
using Siglip2.Data;

namespace Siglip2.Tests.Data;

public class CaptionTokenizerTrainerTests
{
    private static readonly FashionScenesConfig Corpus = new() { Seed = 13, EnglishShare = 0.5 };

    /// <summary>Runs Debian's spm_encode (the same package as the trainer) and returns one line per input line.</summary>
    private static string[] SpmEncode(string model, string format, IEnumerable<string> lines, string folder)
    {
        string input = Path.Combine(folder, "input.txt");
        File.WriteAllLines(input, lines);
        var start = new ProcessStartInfo("spm_encode") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--model", model, "--output_format", format, "--input", input }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// The user-data form: only the first maxCaptions captions make the corpus (a word met only after them gets no piece),
    /// ASCII capitals are lowercased as the text pipeline does, and the same captions give the same model bytes.
    /// </summary>
    [Fact]
    public void TrainsOnTheFirstCaptionsOfUserData()
    {
        using var folder = new TestFolder();
        var captions = Enumerable.Range(0, 40).Select(i => $"Walrus on ice {i}").Concat(Enumerable.Range(0, 40).Select(i => $"giraffe in grass {i}")).ToList();
        string first = Path.Combine(folder.Path, "a", "tokenizer.model");
        string second = Path.Combine(folder.Path, "b", "tokenizer.model");
        var result = CaptionTokenizerTrainer.TrainOnCaptions(captions, first, 512, seed: 3, maxCaptions: 40);
        CaptionTokenizerTrainer.TrainOnCaptions(captions, second, 512, seed: 3, maxCaptions: 40);
        Assert.Equal(40, result.CorpusLines);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        var pieces = File.ReadAllLines(result.VocabPath).Select(l => l.Split('\t')[0]).ToHashSet();
        Assert.Contains("walrus", pieces);          // lowercased, merged into one piece
        Assert.DoesNotContain("Walrus", pieces);
        Assert.DoesNotContain("\u2581giraffe", pieces); // after the first 40 captions: not in the corpus
        Assert.DoesNotContain("giraffe", pieces);
        Assert.Throws<Siglip2Exception>(() => CaptionTokenizerTrainer.TrainOnCaptions([], Path.Combine(folder.Path, "c.model"), 512, 0));
    }

    [Fact]
    public void TrainsADeterministicGemmaStyleModelThatCoversEveryScript()
    {
        using var folder = new TestFolder();
        string first = Path.Combine(folder.Path, "a", "tokenizer.model");
        string second = Path.Combine(folder.Path, "b", "tokenizer.model");
        var result = CaptionTokenizerTrainer.TrainTokenizer(Corpus, first, 1024, seed: 1, SharedFashionMnist.Data, sceneCount: 1500);
        CaptionTokenizerTrainer.TrainTokenizer(Corpus, second, 1024, seed: 1, SharedFashionMnist.Data, sceneCount: 1500);
        Assert.Equal(first, result.ModelPath);
        Assert.True(result.CorpusLines > 1500);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));

        var vocab = File.ReadAllLines(result.VocabPath);
        Assert.Equal(1024, vocab.Length);
        Assert.Equal(["<pad>", "<eos>", "<bos>", "<unk>"], vocab.Take(4).Select(l => l.Split('\t')[0]));
        Assert.Equal("<0x00>", vocab[4].Split('\t')[0]);

        string[] samples =
        [
            "a photo of a pair of red trousers.", "ein foto von einer roten tasche.", "une photo d'une robe blanche.",
            "una zapatilla azul a la izquierda de un bolso rojo.", "На фото синяя сумка.", "左边是一只红色的运动鞋，右边是一个蓝色的包。",
            "赤いスニーカーの写真。", "على اليسار حقيبة حمراء، وعلى اليمين معطف أزرق.", "एक नीले बैग की तस्वीर।", "빨간 운동화가 있는 사진.",
            "red bag 12 40 87 99",
        ];
        var pieces = SpmEncode(first, "piece", samples, folder.Path);
        Assert.Equal(samples.Length, pieces.Length);
        foreach (var line in pieces)
        {
            Assert.DoesNotContain("<0x", line);   // no byte fallback: every character has its own piece
            Assert.DoesNotContain("<unk>", line);
        }
        // Split digits: "12 40 87 99" is eleven pieces (eight digits, three spaces that may merge with a neighbour).
        Assert.Contains(" 1 2 ", " " + pieces[^1] + " ");
        var ids = SpmEncode(first, "id", samples, folder.Path);
        Assert.All(ids, line => Assert.DoesNotContain(" 3 ", " " + line + " "));
    }

    [Fact]
    public void LocationTokensBecomeUserDefinedPieces()
    {
        using var folder = new TestFolder();
        string model = Path.Combine(folder.Path, "tokenizer.model");
        var config = Corpus with { LocationFormat = LocationFormat.LocTokens, LocationBins = 32 };
        var result = CaptionTokenizerTrainer.TrainTokenizer(config, model, 1024, seed: 2, SharedFashionMnist.Data, sceneCount: 300);
        var vocab = File.ReadAllLines(result.VocabPath).Select(l => l.Split('\t')[0]).ToList();
        Assert.Equal(4, vocab.IndexOf("<loc0>")); // user-defined pieces follow the four special pieces
        Assert.Contains("<loc31>", vocab);
        var pieces = SpmEncode(model, "piece", ["red bag <loc3><loc17><loc12><loc31>"], folder.Path);
        Assert.EndsWith("<loc3> <loc17> <loc12> <loc31>", pieces[0]);
    }

    [Fact]
    public void CorpusIsLowercasedAsciiOnly()
    {
        Assert.Equal("a photo of a t-shirt. На фото ÄÖ", CaptionTokenizerTrainer.LowerAscii("A photo of a T-shirt. На фото ÄÖ"));
        var lines = CaptionTokenizerTrainer.CorpusLines(Corpus, SharedFashionMnist.Data.Train, 50);
        Assert.DoesNotContain(lines, l => l.Any(c => c is >= 'A' and <= 'Z'));
        Assert.Contains(lines, l => l.Contains("Чёрно-белое фото") || l.StartsWith("На фото"));
    }

    [Fact]
    public void MissingTrainerNamesThePackage()
    {
        using var folder = new TestFolder();
        var e = Assert.Throws<Siglip2Exception>(() => CaptionTokenizerTrainer.TrainTokenizer(Corpus, Path.Combine(folder.Path, "t.model"), 1024, 1,
            SharedFashionMnist.Data, sceneCount: 10, spmTrain: "/nonexistent/spm_train"));
        Assert.Contains("apt-get install sentencepiece", e.Message);
        Assert.Throws<Siglip2Exception>(() => CaptionTokenizerTrainer.TrainTokenizer(Corpus, Path.Combine(folder.Path, "t.model"), 100, 1,
            SharedFashionMnist.Data, sceneCount: 10));
    }
}
