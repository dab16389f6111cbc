using System.Globalization;
using System.Text.RegularExpressions;
using Siglip2.Checkpoints;
using Siglip2.Data;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using Siglip2.Tasks;
using Siglip2.Tests.Distributed;
using Siglip2.Tests.Processing.Images;
using Siglip2.Tests.Reliability;
using Siglip2.Training;
using SkiaSharp;

namespace Siglip2.Tests.Training;

/// <summary>
/// `siglip2 train --preset NAME --data SPEC`: the recipe from scratch on a captioned folder and a JSONL manifest of small
/// PNGs (smoke model, batch 4, a few steps) — a loadable checkpoint whose tokenizer was trained on the captions, LocCa
/// captioning rows (no referring / grounded rows) from the first step and SILC/TIPS from 80 %, a resumed run bitwise the
/// uninterrupted one, a corrupt image and an empty caption skipped and counted, the one-line errors, and under
/// `mpirun -np 2` the one-process losses from ranks that each read half of every global batch.
/// </summary>
[Collection(MpiCollection.Name)]
public sealed class UserDataTrainingTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static readonly string[] Colours = ["red", "green", "blue", "yellow"];
    private static readonly string[] Shapes = ["zebra", "circle", "square"];

    /// <summary>The smoke model at batch 4 over 6 steps: SILC/TIPS from step 5 (⌊0.8·6⌋ = 4 steps of stage 1), two small crops of two images.</summary>
    private static readonly TrainingRecipe Recipe = TrainingRecipe.Get("smoke") with
    {
        Steps = 6, BatchSize = 4, TokenizerCorpusScenes = 1000,
        Objectives = new TrainingObjectives { Locca = true, SelfDistillation = true, SslBatch = 2, LocalViews = 2 },
    };

    /// <summary>
    /// 12 good pairs (a coloured picture, "zebra/circle/square of COLOUR number k"), one PNG whose bytes are garbage and
    /// one image with an empty caption file.
    /// </summary>
    private string CaptionedFolder()
    {
        string folder = _work.File("pairs");
        if (Directory.Exists(folder)) return folder;
        Directory.CreateDirectory(folder);
        for (int i = 0; i < 12; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"img{i:D2}.png"), Picture(i));
            File.WriteAllText(Path.Combine(folder, $"img{i:D2}.txt"), Caption(i));
        }
        File.WriteAllBytes(Path.Combine(folder, "broken.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3, 4, 5, 6, 7, 8]);
        File.WriteAllText(Path.Combine(folder, "broken.txt"), "zebra of red number 99");
        File.WriteAllBytes(Path.Combine(folder, "silent.png"), Picture(3));
        File.WriteAllText(Path.Combine(folder, "silent.txt"), "   ");
        return folder;
    }

    private static string Caption(int i) => $"{Shapes[i % 3]} of {Colours[i % 4]} number {i}";

    private static byte[] Picture(int i)
    {
        int w = 24 + 3 * i, h = 40 - 2 * i;
        var rgb = new byte[w * h * 3];
        for (int p = 0; p < w * h; p++)
        {
            rgb[3 * p] = (byte)(i * 20); rgb[3 * p + 1] = (byte)(p % w * 9); rgb[3 * p + 2] = (byte)(p / w * 7);
        }
        return EncodedImages.SkiaEncode(w, h, rgb, SKEncodedImageFormat.Png, 100);
    }

    /// <summary>The same 12 good pairs as a JSONL manifest beside copies of the images.</summary>
    private string JsonlManifest()
    {
        string folder = _work.File("manifest");
        Directory.CreateDirectory(folder);
        var lines = new List<string>();
        for (int i = 0; i < 12; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"p{i}.png"), Picture(i));
            lines.Add($"{{\"image\": \"p{i}.png\", \"text\": \"{Caption(i)}\"}}");
        }
        string path = Path.Combine(folder, "pairs.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private TrainingRunOptions Options(string output, long? maxSteps = null, bool resume = false) => new()
    {
        Recipe = Recipe, OutputFolder = output, ImageTextData = CaptionedFolder(), MaxSteps = maxSteps, Resume = resume,
        CheckpointEvery = 2, DataWorkers = 1,
    };

    private static string[][] TermRows(string folder) =>
        File.ReadAllLines(Path.Combine(folder, RunFolder.TermLogFileName)).Skip(1).Select(l => l.Split(',')).ToArray();

    private static bool Finite(string value) => double.IsFinite(double.Parse(value, CultureInfo.InvariantCulture));

    [Fact]
    public void TheRecipeFromScratchWritesALoadableCheckpointWithTheCaptionsTokenizerAndAllTerms()
    {
        string output = _work.File("run");
        var log = new List<string>();
        var result = TrainingRun.Execute(Options(output), log: log.Add);
        Assert.Equal(6, result.LastStep);

        // (a) the Hugging Face files, loadable; tensor names of a transformers-written SigLIP checkpoint (layer indices aside)
        foreach (var f in new[] { "config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json", "preprocessor_config.json", "training_state.json", "loss_log.csv" })
            Assert.True(File.Exists(Path.Combine(output, f)), f);
        Assert.Equal(Names(FixturePaths.Path("siglip-tiny")), Names(output));
        using (var encoder = Siglip2Encoder.Load(output))
            Assert.Equal(encoder.Dimensions, encoder.EmbedText("zebra of blue number 2").Length);

        // the tokenizer was trained on the captions: their words are single pieces, a FashionScenes word is not
        var tokenizer = SentencePieceBpeTokenizer.Load(Path.Combine(output, "tokenizer.model"));
        Assert.Single(tokenizer.Encode("zebra"));
        Assert.Single(tokenizer.Encode(" yellow")); // always after a space in the captions: one piece with its space
        Assert.True(tokenizer.Encode("sneaker").Length > 1, "'sneaker' is one piece: the tokenizer was not trained on this data's captions");

        // (b) LocCa from the first step, SILC/TIPS only in the last 20 % (steps 5 and 6)
        var rows = TermRows(output);
        Assert.Equal(6, rows.Length);
        Assert.All(rows, r => Assert.True(Finite(r[3]), $"step {r[0]}: locca {r[3]}"));
        Assert.All(rows.Take(4), r => Assert.False(Finite(r[4]) || Finite(r[5]), $"step {r[0]}: SILC/TIPS before 80 %"));
        Assert.All(rows.Skip(4), r => Assert.True(Finite(r[4]) && Finite(r[5]), $"step {r[0]}: no SILC/TIPS after 80 %"));
        Assert.Single(log, l => l.Contains("no boxes", StringComparison.Ordinal));

        // (d) the empty caption (metadata) and the corrupt image (found decoding) are skipped and counted, once each
        string data = Assert.Single(log, l => l.StartsWith("data: ", StringComparison.Ordinal));
        Assert.Contains("skipped 2 samples", data);
        Assert.Contains("1 empty caption", data);
        Assert.Contains("1 corrupt image", data);
    }

    /// <summary>Tensor names with layer indices replaced (the smoke model has fewer layers than the fixture).</summary>
    private static SortedSet<string> Names(string folder)
    {
        using var f = SafeTensorsFile.Open(Path.Combine(folder, CheckpointLoader.SingleFileName));
        Assert.True(f.Metadata.TryGetValue("format", out var format) && format == "pt", $"{folder}: no format=pt");
        return new SortedSet<string>(f.Tensors.Keys.Select(k => Regex.Replace(k, @"\.layers\.\d+\.", ".layers.N.")), StringComparer.Ordinal);
    }

    [Fact]
    public void BatchesHaveCaptioningRowsOnlyAndViewsFromTheSelfDistillationStep()
    {
        var text = new SiglipTextProcessor(SentencePieceBpeTokenizer.Load(FixturePaths.Path("tokenizer", "spm-gemma-like.model")), new SiglipTextSettings(Length: 24));
        var images = ImageProcessorFactory.Create(Siglip2.Configuration.PreprocessorConfig.Parse(Recipe.PreprocessorConfigJson(), "recipe"));
        var spec = ImageTextDataSpec.Parse(CaptionedFolder());
        var options = new ImageTextBatchOptions { GlobalBatchSize = 4, Seed = 5, ShuffleBufferSize = 8, Workers = 1 };
        using var source = new UserDataRecipeBatchSource(spec, images, text, options, Recipe.Objectives, Recipe.Steps);
        using var pairs = new ImageTextBatchSource(spec, images, text, options);
        var captions = source.Captions!;
        for (long step = 3; step <= 4; step++)
        {
            using var batch = source.GetBatch(step);
            var (plain, records) = pairs.GetBatchAndRows(step); // the rows after the replacement rule (the broken image)
            using var plainBatch = plain;
            // one decoder row per image, each the captioning task with the row's own caption as its answer
            Assert.Equal(4, batch.DecoderInputs!.shape[0]);
            var inputs = batch.DecoderInputs.data<long>().ToArray();
            var targets = batch.DecoderTargets!.data<long>().ToArray();
            long length = batch.DecoderInputs.shape[1];
            for (int i = 0; i < 4; i++)
            {
                // the captioning task token, replaced by the mask token in a parallel (CapPa) row
                Assert.Equal(captions.IsCausal(step * 4 + i) ? captions.CaptionTaskId : captions.MaskId, inputs[i * length]);
                var answer = targets.Skip((int)(i * length)).Take((int)length).Where(t => t != LoccaSequences.IgnoreIndex && t != captions.EosId);
                Assert.Equal(records[i].Text.ToLowerInvariant(), captions.Decode(answer));
            }
            // pixels are the plain pairs' (the same order and preprocessing as fine-tuning)
            Assert.True(plain.PixelValues.eq(batch.Pairs.PixelValues).all().item<bool>());
            if (step < 4)
                Assert.True(batch.GlobalViews is null && batch.LocalViews is null, "views before the self-distillation step");
            else
            {
                Assert.Equal([2L, 3, 28, 28], batch.GlobalViews!.shape);
                Assert.Equal([4L, 3, 28, 28], batch.LocalViews!.shape);
            }
        }
    }

    [Fact]
    public void AResumedRunIsBitwiseTheUninterruptedOne()
    {
        string whole = _work.File("whole"), split = _work.File("split");
        TrainingRun.Execute(Options(whole));
        TrainingRun.Execute(Options(split, maxSteps: 5)); // stopped inside stage 2 (SILC/TIPS began at step 5)
        var e = Assert.Throws<Siglip2Exception>(() => TrainingRun.Execute(Options(split)));
        Assert.Contains("--resume", e.Message);
        // the run records its data: a resume on other data, or on FashionScenes, is refused, as is a FashionScenes-only stage
        var other = Assert.Throws<Siglip2Exception>(() => TrainingRun.Execute(Options(split, resume: true) with { ImageTextData = JsonlManifest() }));
        Assert.Contains("resume it with the same --data", other.Message);
        var scenes = Assert.Throws<Siglip2Exception>(() => TrainingRun.Execute(Options(split, resume: true) with { ImageTextData = null }));
        Assert.Contains("--data", scenes.Message);
        var stage = Assert.Throws<Siglip2Exception>(() => StageContinuation.Execute(new StageContinuationOptions
            { SourceRun = whole, Variant = StageVariant.Naflex, OutputFolder = _work.File("stage") }));
        Assert.Contains("image–text data", stage.Message);
        TrainingRun.Execute(Options(split, resume: true));
        foreach (var file in new[] { "model.safetensors", TrainingCheckpoint.DecoderFileName, "tokenizer.model", RunFolder.TermLogFileName, TrainingState.OptimizerFileName })
            Assert.True(File.ReadAllBytes(Path.Combine(whole, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(split, file))), file);
        Assert.Equal(File.ReadAllLines(Path.Combine(whole, RunFolder.LossLogFileName)).Select(l => string.Join(",", l.Split(',').Take(7))),
            File.ReadAllLines(Path.Combine(split, RunFolder.LossLogFileName)).Select(l => string.Join(",", l.Split(',').Take(7))));
    }

    [Fact]
    public void TheCommandLineTrainsOnAManifestAndKeepsTheFashionMnistMeaning()
    {
        string output = _work.File("cli");
        var r = CliRun.Main(TimeSpan.FromSeconds(120), "train", "--preset", "smoke", "--data", JsonlManifest(), "--output", output, "--steps", "3",
            "--batch-size", "4", "--objectives", "locca", "--shuffle-buffer", "4");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("from scratch on", r.StdErr + r.StdOut);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(output, RunFolder.LossLogFileName)).Length - 1);
        Assert.Equal(4, RunFolder.TryReadRecipe(output)!.BatchSize);
        using (var encoder = Siglip2Encoder.Load(output))
            Assert.Equal(encoder.Dimensions, encoder.EmbedImage(Path.Combine(_work.File("manifest"), "p0.png")).Length);

        // a folder that is neither layout: one line naming both
        string empty = _work.File("empty");
        Directory.CreateDirectory(empty);
        var bad = CliRun.Main("train", "--preset", "smoke", "--data", empty, "--output", _work.File("x"));
        Assert.Equal(1, bad.ExitCode);
        string message = bad.OneLineError();
        Assert.Contains("Fashion-MNIST", message);
        Assert.Contains(".txt captions", message);
        Assert.False(Directory.Exists(_work.File("x")), "a refused run left its output folder");
        // the Fashion-MNIST folder keeps its meaning (the FashionScenes tests train on it); options of the other meaning are refused
        Assert.True(FashionMnist.HoldsIdxFiles(FashionMnist.DefaultDirectory));
        Assert.False(FashionMnist.HoldsIdxFiles(CaptionedFolder()));
        Assert.Equal(2, CliRun.Main("train", "--preset", "smoke", "--data", FashionMnist.DefaultDirectory, "--output", _work.File("y"), "--shuffle-buffer", "4").ExitCode);
        string scenes = _work.File("scenes");
        var fashion = CliRun.Main(TimeSpan.FromSeconds(120), "train", "--preset", "smoke", "--data", FashionMnist.DefaultDirectory, "--output", scenes, "--max-steps", "1");
        Assert.True(fashion.ExitCode == 0, fashion.StdErr);
        Assert.Contains("training smoke", fashion.StdErr + fashion.StdOut);
        Assert.Null(RunFolder.TryReadRecipe(scenes)!.ImageTextData);
        Assert.DoesNotContain("from scratch on", fashion.StdErr + fashion.StdOut);
    }

    private static double[] Losses(string folder) =>
        File.ReadAllLines(Path.Combine(folder, RunFolder.LossLogFileName)).Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();

    /// <summary>
    /// `--batch-size` is the global batch: two ranks × 2 rows give the one-process sigmoid losses (the ring loss meets every
    /// rank's texts) within 1e-5 and the same tokenizer, bytewise; the full recipe (LocCa, SILC/TIPS from step 5) runs over
    /// two ranks too.
    /// </summary>
    [MpiFact]
    public void TwoRanksShareEachGlobalBatch()
    {
        string[] Args(string output, string objectives, int steps) =>
            ["train", "--preset", "smoke", "--data", CaptionedFolder(), "--output", output, "--steps", steps.ToString(CultureInfo.InvariantCulture),
                "--batch-size", "4", "--objectives", objectives, "--shuffle-buffer", "8"];
        string one = _work.File("one"), two = _work.File("two"), recipe = _work.File("recipe");
        var single = MpiRun.RunCli(0, _work.Path, Args(one, "siglip", 3));
        Assert.True(single.ExitCode == 0, single.Output);
        var pair = MpiRun.RunCli(2, _work.Path, Args(two, "siglip", 3));
        Assert.True(pair.ExitCode == 0, pair.Output);
        Assert.Contains("over 2 processes (2 each)", pair.Output);
        Assert.True(File.ReadAllBytes(Path.Combine(one, "tokenizer.model")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(two, "tokenizer.model"))));
        var a = Losses(one);
        var b = Losses(two);
        Assert.Equal(3, a.Length);
        Assert.Equal(a.Length, b.Length);
        for (int s = 0; s < a.Length; s++)
            Assert.True(Math.Abs(a[s] - b[s]) <= 1e-5 * Math.Max(1, Math.Abs(a[s])), $"step {s + 1}: loss {b[s]:R} (2 ranks) vs {a[s]:R}");

        var full = MpiRun.RunCli(2, _work.Path, Args(recipe, "siglip2", 5));
        Assert.True(full.ExitCode == 0, full.Output);
        var rows = TermRows(recipe);
        Assert.Equal(5, rows.Length);
        Assert.True(Finite(rows[0][3]) && Finite(rows[4][4]) && Finite(rows[4][5]) && !Finite(rows[3][4]), string.Join(" | ", rows.Select(r => string.Join(",", r))));
    }
}
