using Siglip2.Cli;
using Siglip2.Cli.Commands;
using Siglip2.Data;
using Siglip2.Tasks;
using Siglip2.Tasks.Evaluation;
using Siglip2.Training;
using static TorchSharp.torch;

namespace Siglip2.Tests.Training;

/// <summary>The continuation stages end to end on the smoke preset: main run → snapshots → both variants → inference and evaluation.</summary>
public class StageContinuationRunTests
{
    /// <summary>Smoke model with the whole recipe: SILC/TIPS from step 17, snapshots after steps 18 (NaFlex) and 19 (fixed).</summary>
    private static readonly TrainingRecipe Smoke = TrainingRecipe.Get("smoke") with
    {
        Steps = 20, BatchSize = 16,
        Objectives = new TrainingObjectives { Locca = true, SelfDistillation = true, SslBatch = 8, Prototypes = 64 },
    };

    private static List<(long Step, double Loss)> Losses(string folder) =>
        File.ReadLines(Path.Combine(folder, RunFolder.LossLogFileName)).Skip(1)
            .Select(l => l.Split(','))
            .Select(p => (long.Parse(p[0]), double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture))).ToList();

    [Fact]
    public void MainRunSnapshotsFeedBothVariantsWhoseCheckpointsLoadAndEvaluate()
    {
        using var tmp = new TempDirectory();
        string main = tmp.File("main"), naflex = tmp.File("naflex"), fixed42 = tmp.File("fixed42"), split = tmp.File("split");
        TrainingRun.Execute(new TrainingRunOptions { Recipe = Smoke, OutputFolder = main });
        foreach (var step in new[] { 18, 19 })
        {
            var state = TrainingState.Load(StageSnapshots.Folder(main, step));
            Assert.Equal(step, state.Step);
            Assert.True(File.Exists(Path.Combine(StageSnapshots.Folder(main, step), TrainingCheckpoint.SelfDistillationFileName)));
        }
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(main, StageSnapshots.FolderName)).Length);

        // NaFlex variant: from step 18, two steps, SILC/TIPS off
        var r = StageContinuation.Execute(new StageContinuationOptions { SourceRun = main, Variant = StageVariant.Naflex, OutputFolder = naflex, PatchBudgets = [8, 16, 24] });
        Assert.Equal((18, 20), (r.FirstStep, r.LastStep));
        var record = ContinuationRecord.Load(naflex);
        Assert.Equal(new[] { 8, 16, 24 }, record.PatchBudgets);
        Assert.Equal(18, record.StartStep);
        var naflexLosses = Losses(naflex);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), naflexLosses.Select(l => l.Step));
        Assert.Equal(Losses(main).Take(18), naflexLosses.Take(18));   // the main run's curve up to the snapshot
        Assert.All(File.ReadLines(Path.Combine(naflex, RunFolder.TermLogFileName)).Skip(19), l => Assert.EndsWith("NaN,NaN", l));
        Assert.False(File.Exists(Path.Combine(naflex, TrainingCheckpoint.SelfDistillationFileName)));

        // resumable: 18 → 19, stop, resume → 20 gives the uninterrupted continuation's losses
        StageContinuation.Execute(new StageContinuationOptions { SourceRun = main, Variant = StageVariant.Naflex, OutputFolder = split, PatchBudgets = [8, 16, 24], MaxSteps = 19 });
        Assert.Equal(19, TrainingState.Load(split).Step);
        Assert.Equal(0, Program.Execute(new TrainCommand(), ["--output", split, "--resume"]));
        var resumed = Losses(split);
        Assert.Equal(20, resumed.Count);
        Assert.Equal(naflexLosses, resumed);   // bitwise: the same continuation

        // fixed variant: from step 19 at 42×42 (the default 1.5 × grid), all losses
        Assert.Equal(0, Program.Execute(new TrainCommand(), ["--continue-from", main, "--variant", "fixed", "--output", fixed42]));
        Assert.Equal(19, ContinuationRecord.Load(fixed42).StartStep);
        Assert.Equal(42, ContinuationRecord.Load(fixed42).ImageSize);
        Assert.DoesNotContain("NaN", File.ReadLines(Path.Combine(fixed42, RunFolder.TermLogFileName)).Last());

        // both load in the inference pipeline with their own processors
        var image = FixturePaths.Path("siglip-tiny", "image_0_45x30.png");
        using (var p = EmbeddingPipeline.Load(naflex))
        {
            Assert.True(p.Model.Config.IsNaflex);
            Assert.Equal(new long[] { 1, 32 }, p.EmbedImageFiles([image]).shape);
        }
        using (var p = EmbeddingPipeline.Load(fixed42))
        {
            Assert.Equal(42, p.Model.Config.Vision!.ImageSize);
            Assert.Equal(new long[] { 1, 32 }, p.EmbedImageFiles([image]).shape);
        }
        Assert.Equal(0, Program.Execute(new ClassifyCommand(), ["--model", naflex, "--image", image, "--labels", "sneaker,bag", "--json"]));

        // the extreme-aspect comparison: one row for the fixed model, one per budget for NaFlex
        var data = FashionMnist.Load();
        using var fixedPipeline = EmbeddingPipeline.Load(fixed42);
        using var naflexPipeline = EmbeddingPipeline.Load(naflex);
        var report = AspectRatioEvaluation.Run([("fixed", fixedPipeline), ("naflex", naflexPipeline)], data, Smoke.Scenes,
            new AspectEvaluationOptions { Scenes = 40, PatchBudgets = [8, 16] });
        Assert.Equal(3, report.Rows.Count);
        Assert.Equal([null, 8, 16], report.Rows.Select(row => row.MaxNumPatches));
        Assert.Equal(36, report.Rows[0].ExtremePatches);
        Assert.InRange(report.Rows[1].ExtremePatches, 1, 8);
        Assert.InRange(report.Rows[2].ExtremePatches, report.Rows[1].ExtremePatches, 16);
        Assert.All(report.Rows, row => Assert.InRange(row.ExtremeZeroShot, 0, 1));
        Assert.All(report.Rows, row => Assert.InRange(row.SquareTextToImageR1, 0, 1));
        Assert.True(report.ExtremeSingleItem is > 0 and < 40);
        Assert.InRange(report.MaxAspectSeen, 3, 4);
        Assert.Contains("| naflex | NaFlex, ≤ 16 patches |", report.ToMarkdown());
        string json = tmp.File("aspect.json");
        Assert.Equal(0, Program.Execute(new EvalAspectCommand(), ["--model", fixed42, "--model", naflex, "--scenes", "20", "--patch-budgets", "16", "--output", json]));
        Assert.True(File.Exists(json) && File.Exists(Path.ChangeExtension(json, ".md")));

        // one NaFlex checkpoint, any sequence length: the standard evaluation at another max_num_patches
        Assert.Equal(0, Program.Execute(new EvalCommand(), ["--model", naflex, "--languages", "en", "--limit", "32", "--scenes", "16", "--max-patches", "8", "--output", tmp.File("e8.json")]));
        Assert.Equal(1, Program.Execute(new EvalCommand(), ["--model", fixed42, "--languages", "en", "--limit", "32", "--scenes", "16", "--max-patches", "8", "--output", tmp.File("e.json")]));

        // mistakes give one-line errors: 1 = bad input, 2 = bad command line
        Assert.Equal(1, Program.Execute(new TrainCommand(), ["--continue-from", main, "--variant", "naflex", "--output", naflex]));  // exists
        Assert.Equal(1, Program.Execute(new TrainCommand(), ["--continue-from", naflex, "--variant", "fixed", "--output", tmp.File("x")]));  // NaFlex run
        Assert.Equal(1, Program.Execute(new TrainCommand(), ["--continue-from", tmp.File("nothing"), "--variant", "fixed", "--output", tmp.File("y")]));
        Assert.Equal(1, Program.Execute(new TrainCommand(), ["--continue-from", main, "--variant", "fixed", "--image-size", "30", "--output", tmp.File("z")]));
        Assert.Equal(1, Program.Execute(new TrainCommand(), ["--output", naflex, "--resume", "--variant", "fixed"]));  // started as naflex
        Assert.Equal(2, Program.Execute(new TrainCommand(), ["--continue-from", main, "--variant", "sideways", "--output", tmp.File("w")]));
        Assert.Equal(2, Program.Execute(new TrainCommand(), ["--continue-from", main, "--variant", "naflex", "--preset", "tiny", "--output", tmp.File("w")]));
        Assert.Equal(2, Program.Execute(new TrainCommand(), ["--continue-from", main, "--output", tmp.File("w")]));
        Assert.Equal(2, Program.Execute(new TrainCommand(), ["--variant", "naflex", "--output", tmp.File("w")]));
        Assert.Equal(2, Program.Execute(new TrainCommand(), ["--continue-from", main, "--variant", "naflex", "--image-size", "42", "--output", tmp.File("w")]));
        Assert.Equal(2, Program.Execute(new TrainCommand(), ["--continue-from", main, "--variant", "naflex", "--patch-budgets", "8,x", "--output", tmp.File("w")]));
        Assert.Equal(2, Program.Execute(new TrainCommand(), ["--preset", "smoke", "--patch-budgets", "8", "--output", tmp.File("w")]));
        Assert.Equal(2, Program.Execute(new EvalAspectCommand(), ["--scenes", "20"]));
        Assert.Equal(1, Program.Execute(new EvalAspectCommand(), ["--model", naflex, "--min-aspect", "9"]));
        Assert.False(Directory.Exists(tmp.File("w")));
    }

    [Fact]
    public void RunsWithoutSnapshotsOrThatAreNaflexAreRefusedWithTheReason()
    {
        using var tmp = new TempDirectory();
        string shortRun = tmp.File("short");
        TrainingRun.Execute(new TrainingRunOptions { Recipe = TrainingRecipe.Get("smoke") with { Steps = 20, BatchSize = 8 }, OutputFolder = shortRun, MaxSteps = 5 });
        Assert.False(Directory.Exists(Path.Combine(shortRun, StageSnapshots.FolderName)));
        var e = Assert.Throws<Siglip2Exception>(() => StageContinuation.Execute(new StageContinuationOptions { SourceRun = shortRun, Variant = StageVariant.Naflex, OutputFolder = tmp.File("o") }));
        Assert.Contains("no stage snapshot for the naflex variant", e.Message);
        Assert.Contains("step 18 of 20", e.Message);
        Assert.Equal(1, Program.Execute(new TrainCommand(), ["--continue-from", shortRun, "--variant", "naflex", "--output", tmp.File("o")]));

        // a plain sigmoid run keeps snapshots too and continues with the sigmoid loss alone
        TrainingRun.Execute(new TrainingRunOptions { Recipe = TrainingRecipe.Get("smoke") with { Steps = 20, BatchSize = 8 }, OutputFolder = shortRun, Resume = true });
        Assert.Equal(19, TrainingState.Load(StageSnapshots.Folder(shortRun, 19)).Step);
        var r = StageContinuation.Execute(new StageContinuationOptions { SourceRun = shortRun, Variant = StageVariant.Naflex, OutputFolder = tmp.File("n") });
        Assert.Equal(20, r.LastStep);
        Assert.Equal("sigmoid", ContinuationRecord.Load(tmp.File("n")).Objectives);

        string naflexRun = tmp.File("naflex-main");
        TrainingRun.Execute(new TrainingRunOptions { Recipe = TrainingRecipe.Get("smoke") with { Steps = 4, BatchSize = 8, Naflex = true }, OutputFolder = naflexRun });
        e = Assert.Throws<Siglip2Exception>(() => StageContinuation.Execute(new StageContinuationOptions { SourceRun = naflexRun, Variant = StageVariant.Fixed, OutputFolder = tmp.File("p") }));
        Assert.Contains("NaFlex run", e.Message);
    }
}
