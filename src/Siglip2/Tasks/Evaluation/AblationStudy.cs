using System.Diagnostics;
using System.Globalization;
using Siglip2.Data;
using Siglip2.Training;

namespace Siglip2.Tasks.Evaluation;

/// <summary>
/// The SigLIP 2 ablation on FashionScenes. For every seed, the same model, data order, batch size and number of steps
/// for three rows trained from scratch with <see cref="Trainer"/> — sigmoid loss only (SigLIP),
/// + LocCa, + LocCa + SILC/TIPS (SigLIP 2) — and two continuations of the SigLIP 2 row's checkpoint by
/// <see cref="AcidContinuation"/> for E more steps: "SigLIP 2 + ACID" (learnability selection against a teacher) and
/// the control "SigLIP 2 + extra steps" (the same steps without curation), which separates the effect of curation
/// from the extra compute. The teacher (<see cref="TeacherRecipe"/>) is trained once per ablation and cached in
/// OUT/acid-teacher. Every checkpoint is scored from its folder on zero-shot Fashion-MNIST (English prompts),
/// held-out retrieval R@1, referring-expression accuracy (rows with a LocCa decoder), the dense linear-probe mIoU and the
/// depth linear probe (RMSE, δ1). Finished rows are cached (<see cref="AblationRowCache"/>), so an interrupted run
/// continues; a cached row from before the depth probe is completed by scoring its checkpoint (<see cref="WithDepth"/>). This class orchestrates;
/// training is <see cref="TrainingRun.Steps"/> over a <see cref="RunFolder"/>, scoring <see cref="AblationEvaluation"/>,
/// rendering <see cref="AblationReport"/>.
/// </summary>
public static class AblationStudy
{
    public const string TeacherFolderName = "acid-teacher";
    public const string RowFileName = AblationRowCache.RowFileName;
    public const string AcidRowName = "SigLIP 2 + ACID";
    public const string ControlRowName = "SigLIP 2 + extra steps";
    /// <summary>Seed of the teacher's initialisation and scenes: its own, so that it never trained on a learner's scenes.</summary>
    public const long TeacherSeed = 1000;
    /// <summary>The teacher trains this many times the rows' steps.</summary>
    public const int TeacherStepFactor = 3;

    /// <summary>The tiny model at a reduced budget (batch 128, 120 steps) so the rows and their evaluations fit in about 10–20 minutes per seed on 2 shared cores.</summary>
    public static TrainingRecipe DefaultRecipe { get; } = TrainingRecipe.Get("tiny") with
    {
        Name = "ablation",
        Description = "tiny model, batch 128, 120 steps (reduced budget for the ablation rows)",
        BatchSize = 128, Steps = 120,
    };

    public static IReadOnlyList<(string Name, string Description, TrainingObjectives Objectives)> Rows { get; } =
    [
        ("SigLIP", "sigmoid", new TrainingObjectives()),
        ("+ LocCa", "sigmoid + LocCa", new TrainingObjectives { Locca = true }),
        ("SigLIP 2", "sigmoid + LocCa + SILC/TIPS (last 20%)", new TrainingObjectives { Locca = true, SelfDistillation = true }),
    ];

    /// <summary>
    /// The ACID teacher: the <c>small</c> preset's model (ViT w160 d5, text w160 d2, its own SentencePiece vocabulary of
    /// 4096) with the rows' data, batch and learning rate, sigmoid loss only, <see cref="TeacherStepFactor"/>× their
    /// steps, seed <see cref="TeacherSeed"/> — larger and longer trained than every learner, as ACID needs.
    /// </summary>
    public static TrainingRecipe TeacherRecipe(TrainingRecipe rows)
    {
        var small = TrainingRecipe.Get("small");
        return small with
        {
            Name = TeacherFolderName,
            Description = $"ACID teacher: the small model trained {TeacherStepFactor}× the ablation rows' steps",
            Scenes = rows.Scenes, TokenizerCorpusScenes = rows.TokenizerCorpusScenes,
            BatchSize = rows.BatchSize, Steps = TeacherStepFactor * rows.Steps, LearningRate = rows.LearningRate,
            WarmupShare = rows.WarmupShare, WeightDecay = rows.WeightDecay, GradClipNorm = rows.GradClipNorm,
            Seed = TeacherSeed, Objectives = new TrainingObjectives(),
        };
    }

    public static string SeedFolder(string output, long seed) => Path.Combine(output, $"seed-{seed}");

    public static AblationResult Run(AblationOptions o, Action<string>? log = null, IProgress<AblationProgress>? progress = null)
    {
        log ??= _ => { };
        o.Validate();
        Directory.CreateDirectory(o.OutputFolder);
        var data = FashionMnist.Load(o.DataDirectory);
        string? teacherFolder = null;
        AblationRow? teacherRow = null;
        string? teacherDescription = null;
        if (o.Acid) (teacherFolder, teacherRow, teacherDescription) = PrepareTeacher(o, data, log, progress);
        var rows = new List<AblationRow>();
        foreach (long seed in o.Seeds)
        {
            var recipe = o.Recipe with { Seed = seed };
            string seedFolder = SeedFolder(o.OutputFolder, seed);
            Directory.CreateDirectory(seedFolder);
            var scenesConfig = recipe.Scenes with { Seed = seed };
            new RunFolder(seedFolder).EnsureTokenizer(recipe, data, m => log($"seed {seed}: {m}"));
            string tokenizerPath = Path.Combine(seedFolder, RunFolder.TokenizerFileName);
            string tokenizerHash = AblationRowCache.FileHash(tokenizerPath);
            string? siglip2Folder = null, siglip2Fingerprint = null;
            foreach (var (name, description, objectives) in Rows)
            {
                string folder = Path.Combine(seedFolder, Slug(name));
                string fingerprint = AblationRowCache.Fingerprint(new { recipe = recipe with { Objectives = objectives }, tokenizer = tokenizerHash, evaluation = EvaluationSettings(o) });
                var cached = AblationRowCache.Cached(folder, fingerprint);
                var row = cached is null
                    ? TrainRow(o, data, recipe, scenesConfig, tokenizerPath, folder, fingerprint, name, description, objectives, log, progress)
                    : WithDepth(cached, o, data, scenesConfig, folder, fingerprint, log);
                if (row.Seed != seed) throw new Siglip2Exception($"{folder}: cached row is for seed {row.Seed}, not {seed}");
                rows.Add(row);
                if (name == "SigLIP 2") (siglip2Folder, siglip2Fingerprint) = (folder, fingerprint);
            }
            if (!o.Acid) continue;
            foreach (bool curate in new[] { true, false })
            {
                string name = curate ? AcidRowName : ControlRowName;
                string folder = Path.Combine(seedFolder, Slug(name));
                string fingerprint = AblationRowCache.Fingerprint(new
                {
                    learner = siglip2Fingerprint, teacher = curate ? AblationRowCache.FileHash(Path.Combine(teacherFolder!, "model.safetensors")) : null,
                    steps = o.AcidStepCount, keep = o.AcidKeep, lr = o.AcidLearningRate, evaluation = EvaluationSettings(o),
                });
                var cached = AblationRowCache.Cached(folder, fingerprint);
                var row = cached is null
                    ? ContinueRow(o, data, scenesConfig, siglip2Folder!, curate ? teacherFolder : null, folder, fingerprint, name, seed, log, progress)
                    : WithDepth(cached, o, data, scenesConfig, folder, fingerprint, log);
                rows.Add(row);
            }
        }
        return new AblationResult(rows, teacherRow, teacherDescription);
    }

    /// <summary>
    /// A cached row as it is, or — when it was measured before the depth probe existed — with the depth probe scored on its
    /// checkpoint (present: <see cref="AblationRowCache.Cached"/> needs model.safetensors) and saved back under the same
    /// fingerprint; nothing is retrained, and the other metrics stay those cached.
    /// </summary>
    internal static AblationRow WithDepth(AblationRow row, AblationOptions o, FashionMnist data, FashionScenesConfig scenesConfig, string folder, string fingerprint,
        Action<string> log)
    {
        if (row.HasDepth) return row;
        var depth = AblationEvaluation.EvaluateDepth(folder, data, scenesConfig, o, row.Seed, log, $"seed {row.Seed}, row {row.Name}");
        var completed = row with { DepthRmse = depth.Rmse, DepthDelta1 = depth.Delta1 };
        AblationRowCache.SaveRow(folder, fingerprint, completed);
        log($"seed {row.Seed}, row {row.Name}: depth RMSE {completed.DepthRmse:0.000} m, δ1 {Pct(completed.DepthDelta1)}");
        return completed;
    }

    private static object EvaluationSettings(AblationOptions o) =>
        new { o.ZeroShotImages, o.RetrievalScenes, o.ReferringScenes, o.ProbeTrainScenes, o.ProbeTestScenes };

    /// <summary>Trains (or reuses) the teacher and scores it (zero-shot, retrieval) on the first seed's held-out scenes.</summary>
    private static (string Folder, AblationRow Row, string Description) PrepareTeacher(AblationOptions o, FashionMnist data, Action<string> log,
        IProgress<AblationProgress>? progress)
    {
        string folder;
        string description;
        double seconds = double.NaN;
        if (o.TeacherFolder is not null)
        {
            folder = o.TeacherFolder;
            description = $"the checkpoint `{folder}` (given with --acid-teacher)";
        }
        else
        {
            folder = Path.Combine(o.OutputFolder, TeacherFolderName);
            var recipe = TeacherRecipe(o.Recipe);
            var runFolder = new RunFolder(folder);
            runFolder.RecoverInterruptedSave();
            bool started = runFolder.HasTrainingState;
            if (started && RunFolder.TryReadRecipe(folder) != recipe)
                throw new Siglip2Exception($"{folder} holds a teacher trained with other settings (steps, batch or data); delete it or choose another --output");
            log($"ACID teacher: {(started ? "checking the cached" : "training the")} {recipe.VisionWidth}-wide model, {recipe.Steps} steps × {recipe.BatchSize} (seed {recipe.Seed}) in {folder} …");
            var clock = Stopwatch.StartNew();
            var result = TrainingRun.Execute(new TrainingRunOptions { Recipe = recipe, OutputFolder = folder, DataDirectory = o.DataDirectory, Resume = started },
                new StepProgress("teacher", recipe.Steps, progress), log);
            seconds = started ? double.NaN : clock.Elapsed.TotalSeconds;
            description = $"the `small` model (ViT p{recipe.PatchSize} w{recipe.VisionWidth} d{recipe.VisionDepth}, text w{recipe.TextWidth} d{recipe.TextDepth}, " +
                          $"its own SentencePiece vocabulary of {recipe.VocabSize}) trained with the sigmoid loss for {recipe.Steps} steps × {recipe.BatchSize} " +
                          $"({TeacherStepFactor}× the rows' steps), seed {recipe.Seed}, cached in `{TeacherFolderName}/`";
            if (result.LastStep < recipe.Steps) throw new Siglip2Exception($"{folder}: the teacher stopped at step {result.LastStep} of {recipe.Steps}");
        }
        long seed = o.Seeds[0];
        var scenesConfig = o.Recipe.Scenes with { Seed = seed };
        string fingerprint = AblationRowCache.Fingerprint(new { teacher = AblationRowCache.FileHash(Path.Combine(folder, "model.safetensors")), seed, o.ZeroShotImages, o.RetrievalScenes });
        var cached = AblationRowCache.Cached(folder, fingerprint);
        if (cached is not null) return (folder, cached, description);
        log("ACID teacher: evaluating …");
        var (zeroShot, i2t, t2i) = AblationEvaluation.EvaluateTeacher(folder, data, scenesConfig, o);
        var row = new AblationRow("teacher", "ACID teacher", seed, zeroShot, i2t, t2i, double.NaN, double.NaN, double.NaN, seconds);
        AblationRowCache.SaveRow(folder, fingerprint, row);
        log($"ACID teacher: zero-shot {Pct(row.ZeroShotEnglish)}, I→T R@1 {Pct(row.ImageToTextR1)}, T→I R@1 {Pct(row.TextToImageR1)}");
        return (folder, row, description);
    }

    private static AblationRow TrainRow(AblationOptions o, FashionMnist data, TrainingRecipe recipe, FashionScenesConfig scenesConfig, string tokenizerPath,
        string folder, string fingerprint, string name, string description, TrainingObjectives objectives, Action<string> log, IProgress<AblationProgress>? progress)
    {
        var run = new RunFolder(folder);
        var rowRecipe = recipe with { Objectives = objectives };
        run.CopyFrom(Path.GetDirectoryName(tokenizerPath)!, RunFolder.TokenizerFileName);
        run.WriteConfigs(rowRecipe);
        var (text, images, vocab) = run.Processors(rowRecipe);
        var train = new FashionScenes(data, scenesConfig, SceneSplit.Train);
        log($"seed {recipe.Seed}, row {name}: training {recipe.Steps} steps × {recipe.BatchSize} ({description}) …");
        var reports = new List<TrainingStepReport>();
        TrainingRunResult result;
        using (var trainer = Trainer.FromScratch(recipe.ModelConfig(vocab), recipe.Options(), objectives, vocab))
        using (var source = new RecipeBatchSource(train, images, text, recipe.BatchSize, objectives, recipe.Steps, recipe.Seed))
        {
            result = TrainingRun.Steps(run, trainer, source, recipe.Steps, checkpointEvery: 0, snapshotSteps: [], new SyncProgress<TrainingStepReport>(r =>
            {
                reports.Add(r);
                progress?.Report(new AblationProgress($"{name} (seed {recipe.Seed})", r.Step, recipe.Steps, StepDetail(r)));
            }));
        }
        double seconds = result.Seconds;
        var m = AblationEvaluation.Evaluate(folder, data, scenesConfig, o, recipe.Seed, log, $"seed {recipe.Seed}, row {name}");
        var row = new AblationRow(name, description, recipe.Seed, m.ZeroShot, m.ImageToText, m.TextToImage, m.Referring, m.MeanIou,
            reports.TakeLast(10).Average(r => r.Sigmoid), seconds) { DepthRmse = m.DepthRmse, DepthDelta1 = m.DepthDelta1 };
        AblationRowCache.SaveRow(folder, fingerprint, row);
        log($"seed {recipe.Seed}, row {name}: zero-shot {Pct(row.ZeroShotEnglish)}, I→T R@1 {Pct(row.ImageToTextR1)}, referring {Pct(row.ReferringAccuracy)}, mIoU {Pct(row.SegmentationMeanIou)}, depth RMSE {row.DepthRmse:0.000} m, δ1 {Pct(row.DepthDelta1)} ({seconds:0} s training)");
        return row;
    }

    private static AblationRow ContinueRow(AblationOptions o, FashionMnist data, FashionScenesConfig scenesConfig, string learnerFolder, string? teacherFolder,
        string folder, string fingerprint, string name, long seed, Action<string> log, IProgress<AblationProgress>? progress)
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);   // a stale or interrupted continuation
        bool curate = teacherFolder is not null;
        string description = curate
            ? $"SigLIP 2 row + {o.AcidStepCount} ACID steps (keep {KeepText(o.AcidKeep)} of each super-batch)"
            : $"SigLIP 2 row + {o.AcidStepCount} steps, no curation";
        log($"seed {seed}, row {name}: {description} …");
        var result = AcidContinuation.Execute(new AcidOptions
        {
            LearnerFolder = learnerFolder, TeacherFolder = teacherFolder, OutputFolder = folder, DataDirectory = o.DataDirectory,
            Curate = curate, Keep = o.AcidKeep, Steps = o.AcidStepCount, LearningRate = o.AcidLearningRate,
        }, new SyncProgress<AcidStepReport>(r => progress?.Report(new AblationProgress($"{name} (seed {seed})", r.Step.Step, r.TotalSteps,
            $"loss {r.Step.Loss:0.000}" + (double.IsNaN(r.Selection.LearnabilityKept) ? "" : $", learnability kept {r.Selection.LearnabilityKept:0.00} / all {r.Selection.LearnabilityAll:0.00}")))), log);
        var losses = File.ReadLines(Path.Combine(folder, RunFolder.LossLogFileName)).Skip(1)
            .Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToList();
        var m = AblationEvaluation.Evaluate(folder, data, scenesConfig, o, seed, log, $"seed {seed}, row {name}");
        var row = new AblationRow(name, description, seed, m.ZeroShot, m.ImageToText, m.TextToImage, m.Referring, m.MeanIou,
            losses.TakeLast(10).Average(), result.Seconds) { DepthRmse = m.DepthRmse, DepthDelta1 = m.DepthDelta1 };
        AblationRowCache.SaveRow(folder, fingerprint, row);
        log($"seed {seed}, row {name}: zero-shot {Pct(row.ZeroShotEnglish)}, I→T R@1 {Pct(row.ImageToTextR1)}, referring {Pct(row.ReferringAccuracy)}, mIoU {Pct(row.SegmentationMeanIou)}, depth RMSE {row.DepthRmse:0.000} m, δ1 {Pct(row.DepthDelta1)} ({result.Seconds:0} s)");
        return row;
    }

    private static string StepDetail(TrainingStepReport r) =>
        $"loss {r.Loss:0.000} (sigmoid {r.Sigmoid:0.000}" + (double.IsNaN(r.Locca) ? "" : $", LocCa {r.Locca:0.000}") +
        (double.IsNaN(r.Silc) ? ")" : $", SILC {r.Silc:0.00}, TIPS {r.Tips:0.00})");

    /// <summary>Reports on the caller's thread, in order (System.Progress posts to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }

    private sealed class StepProgress(string label, long total, IProgress<AblationProgress>? target) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport r) => target?.Report(new AblationProgress(label, r.Step, total, $"loss {r.Loss:0.000}"));
    }

    /// <summary>The result as markdown (<see cref="AblationReport.ToMarkdown"/>).</summary>
    public static string ToMarkdown(AblationResult result, AblationOptions o) => AblationReport.ToMarkdown(result, o);

    /// <summary>Every per-seed row as CSV (<see cref="AblationReport.ToCsv"/>).</summary>
    public static string ToCsv(AblationResult result) => AblationReport.ToCsv(result);

    public static string Pct(double v) => AblationReport.Pct(v);

    private static string KeepText(double keep) => AblationReport.KeepText(keep);

    private static string Slug(string name) => name.Replace("+ ", "plus-").Replace(' ', '-').ToLowerInvariant();
}
