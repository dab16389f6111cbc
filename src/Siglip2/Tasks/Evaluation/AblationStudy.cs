using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Siglip2.Configuration;
using Siglip2.Data;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using Siglip2.Training;

namespace Siglip2.Tasks.Evaluation;

/// <summary>What <see cref="AblationStudy.Run"/> measures and where it writes.</summary>
public sealed record AblationOptions
{
    public required string OutputFolder { get; init; }
    public string? DataDirectory { get; init; }
    /// <summary>The shared recipe of every row (model, data, steps, batch); the rows differ only in objectives. Its Seed is replaced by each of <see cref="Seeds"/>.</summary>
    public TrainingRecipe Recipe { get; init; } = AblationStudy.DefaultRecipe;
    /// <summary>Every row is trained and evaluated once per seed (initialisation, data order, tokenizer corpus, augmentations, held-out scenes).</summary>
    public IReadOnlyList<long> Seeds { get; init; } = [0, 1];
    public int ZeroShotImages { get; init; } = 2000;
    public int RetrievalScenes { get; init; } = 500;
    public int ReferringScenes { get; init; } = 150;
    public int ProbeTrainScenes { get; init; } = 300;
    public int ProbeTestScenes { get; init; } = 200;

    /// <summary>Add the "SigLIP 2 + ACID" row and its control ("SigLIP 2 + extra steps", no curation).</summary>
    public bool Acid { get; init; } = true;
    /// <summary>Steps of the ACID and control continuations; null = <see cref="AcidOptions.DefaultStepShare"/> of the rows' steps.</summary>
    public long? AcidSteps { get; init; }
    public double AcidKeep { get; init; } = AcidOptions.DefaultKeep;
    public double AcidLearningRate { get; init; } = AcidOptions.DefaultLearningRate;
    /// <summary>An existing teacher checkpoint; null = train <see cref="AblationStudy.TeacherRecipe"/> once into OUT/acid-teacher (cached).</summary>
    public string? TeacherFolder { get; init; }

    public long AcidStepCount => AcidSteps ?? Math.Max(1, (long)Math.Round(Recipe.Steps * AcidOptions.DefaultStepShare));

    public void Validate()
    {
        if (Seeds.Count == 0) throw new Siglip2Exception("the ablation needs at least one seed");
        if (Seeds.Distinct().Count() != Seeds.Count) throw new Siglip2Exception($"the ablation seeds must differ, got {string.Join(",", Seeds)}");
        if (Seeds.Any(s => s < 0)) throw new Siglip2Exception($"the ablation seeds must be ≥ 0, got {string.Join(",", Seeds)}");
        if (AcidSteps is < 1) throw new Siglip2Exception($"ACID steps must be ≥ 1, got {AcidSteps}");
        if (double.IsNaN(AcidKeep) || AcidKeep <= 0 || AcidKeep > 1) throw new Siglip2Exception($"the ACID keep fraction must be in (0, 1], got {AcidKeep}");
        if (!(AcidLearningRate > 0)) throw new Siglip2Exception($"the ACID learning rate must be > 0, got {AcidLearningRate}");
        if (TeacherFolder is not null && !Directory.Exists(TeacherFolder)) throw new Siglip2Exception($"teacher checkpoint folder not found: {TeacherFolder}");
    }
}

/// <summary>One row of the ablation for one seed: measured scores (NaN where the row has no decoder) and training time (continuations: their own stage only).</summary>
public sealed record AblationRow(string Name, string Objectives, long Seed, double ZeroShotEnglish, double ImageToTextR1, double TextToImageR1,
    double ReferringAccuracy, double SegmentationMeanIou, double FinalSigmoidLoss, double TrainSeconds);

/// <summary>The measured rows of every seed, and the ACID teacher's own scores (null without the ACID rows).</summary>
public sealed record AblationResult(IReadOnlyList<AblationRow> Rows, AblationRow? Teacher, string? TeacherDescription);

/// <summary>Progress of the ablation: which training (label) is at which step, with a short text.</summary>
public sealed record AblationProgress(string Label, long Step, long TotalSteps, string Detail);

/// <summary>
/// The SigLIP 2 ablation on FashionScenes. For every seed, the same model, data order, batch size and number of steps
/// for three rows trained from scratch with <see cref="Siglip2RecipeTrainer"/> — sigmoid loss only (SigLIP),
/// + LocCa, + LocCa + SILC/TIPS (SigLIP 2) — and two continuations of the SigLIP 2 row's checkpoint by
/// <see cref="AcidContinuation"/> for E more steps: "SigLIP 2 + ACID" (learnability selection against a teacher) and
/// the control "SigLIP 2 + extra steps" (the same steps without curation), which separates the effect of curation
/// from the extra compute. The teacher (<see cref="TeacherRecipe"/>) is trained once per ablation and cached in
/// OUT/acid-teacher. Every checkpoint is scored from its folder on zero-shot Fashion-MNIST (English prompts),
/// held-out retrieval R@1, referring-expression accuracy (rows with a LocCa decoder) and the dense linear-probe mIoU.
/// Finished rows are cached (row.json with the settings they were measured with), so an interrupted run continues.
/// </summary>
public static class AblationStudy
{
    public const string TeacherFolderName = "acid-teacher";
    public const string RowFileName = "row.json";
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
            string tokenizerPath = Path.Combine(seedFolder, "tokenizer.model");
            if (!File.Exists(tokenizerPath))
            {
                log($"seed {seed}: training the caption tokenizer (vocabulary {recipe.VocabSize}) …");
                CaptionTokenizerTrainer.TrainTokenizer(scenesConfig, tokenizerPath, recipe.VocabSize, seed, data, recipe.TokenizerCorpusScenes);
                string vocab = Path.ChangeExtension(tokenizerPath, ".vocab");
                if (File.Exists(vocab)) File.Delete(vocab);
            }
            string tokenizerHash = FileHash(tokenizerPath);
            string? siglip2Folder = null, siglip2Fingerprint = null;
            foreach (var (name, description, objectives) in Rows)
            {
                string folder = Path.Combine(seedFolder, Slug(name));
                string fingerprint = Fingerprint(new { recipe = recipe with { Objectives = objectives }, tokenizer = tokenizerHash, evaluation = EvaluationSettings(o) });
                var row = Cached(folder, fingerprint)
                    ?? TrainRow(o, data, recipe, scenesConfig, tokenizerPath, folder, fingerprint, name, description, objectives, log, progress);
                if (row.Seed != seed) throw new Siglip2Exception($"{folder}: cached row is for seed {row.Seed}, not {seed}");
                rows.Add(row);
                if (name == "SigLIP 2") (siglip2Folder, siglip2Fingerprint) = (folder, fingerprint);
            }
            if (!o.Acid) continue;
            foreach (bool curate in new[] { true, false })
            {
                string name = curate ? AcidRowName : ControlRowName;
                string folder = Path.Combine(seedFolder, Slug(name));
                string fingerprint = Fingerprint(new
                {
                    learner = siglip2Fingerprint, teacher = curate ? FileHash(Path.Combine(teacherFolder!, "model.safetensors")) : null,
                    steps = o.AcidStepCount, keep = o.AcidKeep, lr = o.AcidLearningRate, evaluation = EvaluationSettings(o),
                });
                var row = Cached(folder, fingerprint)
                    ?? ContinueRow(o, data, scenesConfig, siglip2Folder!, curate ? teacherFolder : null, folder, fingerprint, name, seed, log, progress);
                rows.Add(row);
            }
        }
        return new AblationResult(rows, teacherRow, teacherDescription);
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
            string recipeJson = JsonSerializer.Serialize(recipe, new JsonSerializerOptions { WriteIndented = true }) + "\n";
            bool started = File.Exists(Path.Combine(folder, TrainingState.FileName));
            string recipePath = Path.Combine(folder, TrainingRun.RecipeFileName);
            if (started && (!File.Exists(recipePath) || File.ReadAllText(recipePath) != recipeJson))
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
        string fingerprint = Fingerprint(new { teacher = FileHash(Path.Combine(folder, "model.safetensors")), seed, o.ZeroShotImages, o.RetrievalScenes });
        var cached = Cached(folder, fingerprint);
        if (cached is not null) return (folder, cached, description);
        log("ACID teacher: evaluating …");
        var heldOut = new FashionScenes(data, scenesConfig, SceneSplit.HeldOut);
        using var pipeline = EmbeddingPipeline.Load(folder, new EmbeddingPipelineOptions { BatchSize = 256 });
        var zeroShot = ZeroShotClassification.Run(pipeline, data.Test, ["en"], o.ZeroShotImages);
        var retrieval = SceneRetrieval.Run(pipeline, heldOut, o.RetrievalScenes);
        var row = new AblationRow("teacher", "ACID teacher", seed, zeroShot[0].Top1, retrieval.ImageToTextR1, retrieval.TextToImageR1,
            double.NaN, double.NaN, double.NaN, seconds);
        SaveRow(folder, fingerprint, row);
        log($"ACID teacher: zero-shot {Pct(row.ZeroShotEnglish)}, I→T R@1 {Pct(row.ImageToTextR1)}, T→I R@1 {Pct(row.TextToImageR1)}");
        return (folder, row, description);
    }

    private static AblationRow TrainRow(AblationOptions o, FashionMnist data, TrainingRecipe recipe, FashionScenesConfig scenesConfig, string tokenizerPath,
        string folder, string fingerprint, string name, string description, TrainingObjectives objectives, Action<string> log, IProgress<AblationProgress>? progress)
    {
        Directory.CreateDirectory(folder);
        File.Copy(tokenizerPath, Path.Combine(folder, "tokenizer.model"), overwrite: true);
        AtomicFile.WriteAllText(Path.Combine(folder, "preprocessor_config.json"), recipe.PreprocessorConfigJson() + "\n");
        AtomicFile.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), recipe.TokenizerConfigJson() + "\n");
        AtomicFile.WriteAllText(Path.Combine(folder, TrainingRun.RecipeFileName),
            JsonSerializer.Serialize(recipe with { Objectives = objectives }, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        var tokenizer = SentencePieceBpeTokenizer.Load(tokenizerPath);
        var text = new SiglipTextProcessor(tokenizer, new SiglipTextSettings(Length: recipe.TextLength));
        var images = ImageProcessorFactory.Create(PreprocessorConfig.Parse(recipe.PreprocessorConfigJson(), "ablation recipe"));
        var train = new FashionScenes(data, scenesConfig, SceneSplit.Train);
        log($"seed {recipe.Seed}, row {name}: training {recipe.Steps} steps × {recipe.BatchSize} ({description}) …");
        var clock = Stopwatch.StartNew();
        IReadOnlyList<RecipeStepReport> reports;
        using (var trainer = Siglip2RecipeTrainer.FromScratch(recipe.ModelConfig(tokenizer.VocabularySize), recipe.Options(), objectives, tokenizer.VocabularySize))
        using (var source = new RecipeBatchSource(train, images, text, recipe.BatchSize, objectives, recipe.Steps, recipe.Seed))
        {
            reports = trainer.Train(source, progress: new SyncProgress<RecipeStepReport>(r => progress?.Report(new AblationProgress($"{name} (seed {recipe.Seed})", r.Step, recipe.Steps, StepDetail(r)))));
            trainer.SaveCheckpoint(folder);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        WriteLossLog(Path.Combine(folder, TrainingRun.RecipeLossLogFileName), reports);
        var m = Evaluate(folder, data, scenesConfig, o, recipe.Seed, log, $"seed {recipe.Seed}, row {name}");
        var row = new AblationRow(name, description, recipe.Seed, m.ZeroShot, m.ImageToText, m.TextToImage, m.Referring, m.MeanIou,
            reports.TakeLast(10).Average(r => r.Sigmoid), seconds);
        SaveRow(folder, fingerprint, row);
        log($"seed {recipe.Seed}, row {name}: zero-shot {Pct(row.ZeroShotEnglish)}, I→T R@1 {Pct(row.ImageToTextR1)}, referring {Pct(row.ReferringAccuracy)}, mIoU {Pct(row.SegmentationMeanIou)} ({seconds:0} s training)");
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
        var losses = File.ReadLines(Path.Combine(folder, TrainingRun.LossLogFileName)).Skip(1)
            .Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToList();
        var m = Evaluate(folder, data, scenesConfig, o, seed, log, $"seed {seed}, row {name}");
        var row = new AblationRow(name, description, seed, m.ZeroShot, m.ImageToText, m.TextToImage, m.Referring, m.MeanIou,
            losses.TakeLast(10).Average(), result.Seconds);
        SaveRow(folder, fingerprint, row);
        log($"seed {seed}, row {name}: zero-shot {Pct(row.ZeroShotEnglish)}, I→T R@1 {Pct(row.ImageToTextR1)}, referring {Pct(row.ReferringAccuracy)}, mIoU {Pct(row.SegmentationMeanIou)} ({result.Seconds:0} s)");
        return row;
    }

    private sealed record Measured(double ZeroShot, double ImageToText, double TextToImage, double Referring, double MeanIou);

    /// <summary>Every metric of one checkpoint folder (the referring accuracy only when it has a LocCa decoder).</summary>
    private static Measured Evaluate(string folder, FashionMnist data, FashionScenesConfig scenesConfig, AblationOptions o, long seed, Action<string> log, string what)
    {
        log($"{what}: evaluating …");
        var heldOut = new FashionScenes(data, scenesConfig, SceneSplit.HeldOut);
        using var pipeline = EmbeddingPipeline.Load(folder, new EmbeddingPipelineOptions { BatchSize = 256 });
        pipeline.Model.eval();
        var zeroShot = ZeroShotClassification.Run(pipeline, data.Test, ["en"], o.ZeroShotImages);
        var retrieval = SceneRetrieval.Run(pipeline, heldOut, o.RetrievalScenes);
        double referring = double.NaN;
        if (Siglip2RecipeTrainer.LoadDecoder(folder, pipeline.Model.Config) is { } loaded)
        {
            using var decoder = loaded.Decoder;
            var builder = new LoccaTargetBuilder(pipeline.TextProcessor, scenesConfig.CreateLocationTokens(), loaded.Objectives.LoccaLength, seed, loaded.Objectives.ParallelShare);
            referring = ReferringExpressionEvaluation.Run(pipeline.Model, decoder, builder, pipeline.ImageProcessor, heldOut, o.ReferringScenes).Accuracy;
        }
        // the probe uses scenes of another held-out stream than the retrieval ones
        var probeScenes = new FashionScenes(data, scenesConfig with { Seed = seed + 1 }, SceneSplit.HeldOut);
        var dense = DenseFeatureProbe.Run(pipeline.Model, pipeline.ImageProcessor, probeScenes, o.ProbeTrainScenes, o.ProbeTestScenes, seed: seed);
        return new Measured(zeroShot[0].Top1, retrieval.ImageToTextR1, retrieval.TextToImageR1, referring, dense.MeanIou);
    }

    private sealed record CachedRow(string Fingerprint, AblationRow Row);

    private static AblationRow? Cached(string folder, string fingerprint)
    {
        string path = Path.Combine(folder, RowFileName);
        if (!File.Exists(path) || !File.Exists(Path.Combine(folder, "model.safetensors"))) return null;
        try
        {
            var c = JsonSerializer.Deserialize<CachedRow>(File.ReadAllText(path), RowJson);
            return c is not null && c.Fingerprint == fingerprint ? c.Row : null;
        }
        catch (JsonException) { return null; }
    }

    private static void SaveRow(string folder, string fingerprint, AblationRow row) =>
        AtomicFile.WriteAllText(Path.Combine(folder, RowFileName), JsonSerializer.Serialize(new CachedRow(fingerprint, row), RowJson) + "\n");

    /// <summary>NaN (not measured) is written as "NaN".</summary>
    private static readonly JsonSerializerOptions RowJson = new()
    {
        WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static string Fingerprint(object settings) => JsonSerializer.Serialize(settings);

    /// <summary>First 16 hex digits of the file's SHA-256 (a sharded checkpoint: of its index file).</summary>
    private static string FileHash(string path)
    {
        if (!File.Exists(path) && Path.GetFileName(path) == "model.safetensors")
            path = Path.Combine(Path.GetDirectoryName(path)!, Checkpoints.CheckpointLoader.IndexFileName);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))[..16];
    }

    private static string StepDetail(RecipeStepReport r) =>
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

    private static void WriteLossLog(string path, IReadOnlyList<RecipeStepReport> reports)
    {
        var sb = new StringBuilder("step,loss,sigmoid,locca,silc,tips,learning_rate,seconds\n");
        foreach (var r in reports)
            sb.AppendLine(string.Join(",", new[] { r.Step, r.Loss, r.Sigmoid, r.Locca, r.Silc, r.Tips, r.LearningRate, r.Seconds }
                .Select(v => v.ToString("G6", CultureInfo.InvariantCulture))));
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>The result as markdown: settings, the table of means with min–max ranges over seeds, and the per-seed table.</summary>
    public static string ToMarkdown(AblationResult result, AblationOptions o)
    {
        var r = o.Recipe;
        var seeds = string.Join(", ", o.Seeds);
        var sb = new StringBuilder();
        sb.AppendLine($"Recipe `{r.Name}`: ViT p{r.PatchSize} w{r.VisionWidth} d{r.VisionDepth} at {r.ImageSize}×{r.ImageSize}, text w{r.TextWidth} d{r.TextDepth}, " +
                      $"batch {r.BatchSize}, {r.Steps} steps, lr {Num(r.LearningRate)}; seeds {seeds} (a seed sets initialisation, data order, tokenizer corpus, " +
                      $"augmentations and the held-out scenes; within a seed every row has the same data order, initialisation and step count). " +
                      $"Zero-shot: first {o.ZeroShotImages} Fashion-MNIST test images, English prompts; retrieval: {o.RetrievalScenes} held-out scenes; " +
                      $"referring: every expression of {o.ReferringScenes} held-out scenes (IoU ≥ 0.5); segmentation: linear probe on frozen patch features, " +
                      $"{o.ProbeTrainScenes} train / {o.ProbeTestScenes} test held-out scenes, mIoU over background + 10 classes.");
        sb.AppendLine();
        if (o.Acid)
        {
            int super = LearnabilitySelection.SuperBatchSize(r.BatchSize, o.AcidKeep);
            sb.AppendLine($"**{AcidRowName}**: the SigLIP 2 row's checkpoint continued for {o.AcidStepCount} steps × {r.BatchSize} with the sigmoid loss only, " +
                          $"constant lr {Num(o.AcidLearningRate)}, no weight decay; each step scores a super-batch of {super} fresh training scenes with the learner " +
                          $"and the teacher (each on its own tokenizer and image size) and trains on the {r.BatchSize} with the largest learner − teacher " +
                          $"per-example sigmoid loss (keep {KeepText(o.AcidKeep)}). **{ControlRowName}** (control): the same continuation on the first {r.BatchSize} " +
                          $"scenes of each super-batch, without scoring — the same extra steps and data pool, so the difference between the two rows is the " +
                          $"curation. Teacher: {result.TeacherDescription}" +
                          (result.Teacher is { } t ? $"; it scores zero-shot {Pct(t.ZeroShotEnglish)}, I→T R@1 {Pct(t.ImageToTextR1)}, T→I R@1 {Pct(t.TextToImageR1)} " +
                                                     $"(seed {t.Seed}'s held-out scenes){(double.IsNaN(t.TrainSeconds) ? "" : $", trained in {t.TrainSeconds:0} s")}." : "."));
            sb.AppendLine();
        }
        var summary = AblationSummary.Aggregate(result.Rows);
        bool several = o.Seeds.Count > 1;
        sb.AppendLine(several
            ? $"Each cell: mean over the {o.Seeds.Count} seeds, (min–max) over the seeds in brackets. Train time: mean wall time of the row's own training (continuations: their extra stage only)."
            : "Train time: wall time of the row's own training (continuations: their extra stage only).");
        sb.AppendLine();
        sb.AppendLine("| row | objectives | zero-shot (en) | I→T R@1 | T→I R@1 | referring acc. | seg. mIoU | train time |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var x in summary)
        {
            bool continued = x.Name is AcidRowName or ControlRowName;
            string time = x.TrainSeconds.Count == 0 ? "—" : $"{(continued ? "+" : "")}{x.TrainSeconds.Mean:0} s";
            sb.AppendLine($"| {x.Name} | {x.Objectives} | {x.ZeroShotEnglish.Percent()} | {x.ImageToTextR1.Percent()} | {x.TextToImageR1.Percent()} | " +
                          $"{x.ReferringAccuracy.Percent()} | {x.SegmentationMeanIou.Percent()} | {time} |");
        }
        if (several)
        {
            sb.AppendLine();
            sb.AppendLine("Per seed (also in `ablation_seeds.csv`):");
            sb.AppendLine();
            sb.AppendLine("| row | seed | zero-shot (en) | I→T R@1 | T→I R@1 | referring acc. | seg. mIoU | final sigmoid loss | train time |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var x in result.Rows.OrderBy(x => summary.Select(s => s.Name).ToList().IndexOf(x.Name)).ThenBy(x => x.Seed))
                sb.AppendLine($"| {x.Name} | {x.Seed} | {Pct(x.ZeroShotEnglish)} | {Pct(x.ImageToTextR1)} | {Pct(x.TextToImageR1)} | {Pct(x.ReferringAccuracy)} | " +
                              $"{Pct(x.SegmentationMeanIou)} | {x.FinalSigmoidLoss.ToString("0.000", CultureInfo.InvariantCulture)} | {x.TrainSeconds:0} s |");
        }
        return sb.ToString();
    }

    /// <summary>Every per-seed row (and the teacher) as CSV, fractions in [0, 1], empty where not measured.</summary>
    public static string ToCsv(AblationResult result)
    {
        var sb = new StringBuilder("row,seed,zero_shot_en,i2t_r1,t2i_r1,referring_accuracy,segmentation_miou,final_sigmoid_loss,train_seconds\n");
        var all = result.Teacher is null ? result.Rows : result.Rows.Append(result.Teacher).ToList();
        foreach (var x in all)
            sb.AppendLine(string.Join(",", new[] { Csv(x.Name), x.Seed.ToString(CultureInfo.InvariantCulture) }.Concat(
                new[] { x.ZeroShotEnglish, x.ImageToTextR1, x.TextToImageR1, x.ReferringAccuracy, x.SegmentationMeanIou, x.FinalSigmoidLoss, x.TrainSeconds }
                    .Select(v => double.IsNaN(v) ? "" : v.ToString("G6", CultureInfo.InvariantCulture)))));
        return sb.ToString();
    }

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    public static string Pct(double v) => double.IsNaN(v) ? "—" : (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Num(double v) => v.ToString("G", CultureInfo.InvariantCulture);

    private static string KeepText(double keep) => keep switch { 0.5 => "½", 0.25 => "¼", 1.0 => "all", _ => Num(keep) };

    private static string Slug(string name) => name.Replace("+ ", "plus-").Replace(' ', '-').ToLowerInvariant();
}
