using System.Diagnostics;
using Siglip2.Configuration;
using Siglip2.Data;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;

namespace Siglip2.Training;

/// <summary>What <see cref="TrainingRun.Execute"/> is asked to do.</summary>
public sealed record TrainingRunOptions
{
    public required TrainingRecipe Recipe { get; init; }
    public required string OutputFolder { get; init; }
    /// <summary>Folder with the four Fashion-MNIST IDX files; null = Debian's dataset-fashion-mnist.</summary>
    public string? DataDirectory { get; init; }
    /// <summary>Stop after this many steps in total (the schedule still spans the recipe's steps).</summary>
    public long? MaxSteps { get; init; }
    public bool Resume { get; init; }
    public long CheckpointEvery { get; init; } = 200;
}

/// <summary>Summary of a finished (or capped) run.</summary>
public sealed record TrainingRunResult(string OutputFolder, long FirstStep, long LastStep, long TotalSteps, double Seconds,
    double ImagesPerSecond, double DataWaitShare, double FinalLoss, string LossLogPath, double DataPrepareShare = 0);

/// <summary>
/// One FashionScenes training run end to end: tokenizer (SentencePiece, trained on the captions), checkpoint files
/// in the Hugging Face layout (config.json, model.safetensors, tokenizer.model, tokenizer_config.json,
/// preprocessor_config.json), the sigmoid-loss trainer, training state for resuming, and a loss log.
/// </summary>
public static class TrainingRun
{
    public const string LossLogFileName = "loss_log.csv";
    public const string RecipeFileName = "recipe.json";

    public static TrainingRunResult Execute(TrainingRunOptions o, IProgress<TrainingStepReport>? progress = null, Action<string>? log = null)
    {
        log ??= _ => { };
        var recipe = o.Recipe;
        string output = o.OutputFolder;
        bool hasState = File.Exists(Path.Combine(output, TrainingState.FileName));
        if (o.Resume && !hasState)
            throw new Siglip2Exception($"nothing to resume in {output}: it has no {TrainingState.FileName} (start a new run without --resume)");
        if (!o.Resume && hasState)
            throw new Siglip2Exception($"{output} already holds a training run; pass --resume to continue it or choose another --output");
        if (ContinuationRecord.Exists(output))
            throw new Siglip2Exception($"{output} holds a continued run (stage.json); resume it as a continuation (StageContinuation, `siglip2 train --output {output} --resume`)");
        Directory.CreateDirectory(output);

        var data = FashionMnist.Load(o.DataDirectory);
        var scenesConfig = recipe.Scenes with { Seed = recipe.Seed };
        string tokenizerPath = Path.Combine(output, "tokenizer.model");
        if (!File.Exists(tokenizerPath))
        {
            log($"training the caption tokenizer (SentencePiece BPE, vocabulary {recipe.VocabSize}) …");
            CaptionTokenizerTrainer.TrainTokenizer(scenesConfig, tokenizerPath, recipe.VocabSize, recipe.Seed, data, recipe.TokenizerCorpusScenes);
            string vocab = Path.ChangeExtension(tokenizerPath, ".vocab");
            if (File.Exists(vocab)) File.Delete(vocab);
        }
        AtomicFile.WriteAllText(Path.Combine(output, "preprocessor_config.json"), recipe.PreprocessorConfigJson() + "\n");
        AtomicFile.WriteAllText(Path.Combine(output, "tokenizer_config.json"), recipe.TokenizerConfigJson() + "\n");
        AtomicFile.WriteAllText(Path.Combine(output, RecipeFileName), System.Text.Json.JsonSerializer.Serialize(recipe, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");

        var tokenizer = SentencePieceBpeTokenizer.Load(tokenizerPath);
        var text = new SiglipTextProcessor(tokenizer, new SiglipTextSettings(Length: recipe.TextLength));
        var images = ImageProcessorFactory.Create(PreprocessorConfig.Load(Path.Combine(output, "preprocessor_config.json")));

        if (recipe.Objectives.Locca || recipe.Objectives.SelfDistillation
            || (o.Resume && File.Exists(Path.Combine(output, Siglip2RecipeTrainer.ObjectivesFileName))))
            return ExecuteRecipe(o, recipe, data, scenesConfig, tokenizer.VocabularySize, text, images, progress, log);

        using var trainer = o.Resume
            ? SiglipTrainer.Resume(output)
            : SiglipTrainer.FromScratch(recipe.ModelConfig(tokenizer.VocabularySize), recipe.Options());
        long first = trainer.Step;
        long total = trainer.Options.Schedule.TotalSteps;
        long until = Math.Min(total, o.MaxSteps ?? total);
        if (first >= until)
        {
            log($"nothing to do: the run is at step {first} of {until}");
            return new TrainingRunResult(output, first, first, total, 0, 0, 0, double.NaN, Path.Combine(output, LossLogFileName));
        }
        var scenes = new FashionScenes(data, scenesConfig, SceneSplit.Train);
        using var source = new FashionScenesBatchSource(scenes, images, text, recipe.BatchSize, workers: 1);
        using var lossLog = new LossLogWriter(Path.Combine(output, LossLogFileName), first);
        var reports = new CompositeProgress(lossLog, progress);
        log($"training {recipe.Name}: steps {first + 1}..{until} of {total}, batch {recipe.BatchSize}, {(recipe.Naflex ? $"NaFlex {recipe.MaxNumPatches} patches" : $"{recipe.ImageSize}×{recipe.ImageSize}")}");
        var clock = Stopwatch.StartNew();
        var snapshots = StageSnapshots.Steps(total);
        var steps = trainer.Train(source, until, reports, output, o.CheckpointEvery, afterStep: s =>
        {
            if (snapshots.Contains(s)) trainer.SaveCheckpoint(StageSnapshots.Folder(output, s));
        });
        double seconds = clock.Elapsed.TotalSeconds;
        long images_ = steps.Sum(s => s.BatchSize);
        return new TrainingRunResult(output, first, trainer.Step, total, seconds, images_ / seconds,
            source.WaitSeconds / seconds, steps.Count > 0 ? steps[^1].Loss : double.NaN, lossLog.Path, source.PrepareSeconds / seconds);
    }

    public const string RecipeLossLogFileName = "recipe_loss_log.csv";

    /// <summary>The same run with <see cref="Siglip2RecipeTrainer"/> (LocCa and/or SILC/TIPS on).</summary>
    private static TrainingRunResult ExecuteRecipe(TrainingRunOptions o, TrainingRecipe recipe, FashionMnist data, FashionScenesConfig scenesConfig,
        int vocab, SiglipTextProcessor text, IImageProcessor images, IProgress<TrainingStepReport>? progress, Action<string> log)
    {
        string output = o.OutputFolder;
        using var trainer = o.Resume
            ? Siglip2RecipeTrainer.Resume(output)
            : Siglip2RecipeTrainer.FromScratch(recipe.ModelConfig(vocab), recipe.Options(), recipe.Objectives, vocab);
        long first = trainer.Step, total = trainer.Options.Schedule.TotalSteps, until = Math.Min(total, o.MaxSteps ?? total);
        if (first >= until)
        {
            log($"nothing to do: the run is at step {first} of {until}");
            return new TrainingRunResult(output, first, first, total, 0, 0, 0, double.NaN, Path.Combine(output, LossLogFileName));
        }
        var scenes = new FashionScenes(data, scenesConfig, SceneSplit.Train);
        using var source = new RecipeBatchSource(scenes, images, text, recipe.BatchSize, trainer.Objectives, total, recipe.Seed);
        log($"training {recipe.Name} with the SigLIP 2 recipe (LocCa {(trainer.Objectives.Locca ? "on" : "off")}, SILC/TIPS {(trainer.Objectives.SelfDistillation ? $"from step {trainer.SelfDistillationStep + 1}" : "off")}): steps {first + 1}..{until} of {total}, batch {recipe.BatchSize}");
        return RunRecipeSteps(output, trainer, source, until, o.CheckpointEvery, StageSnapshots.Steps(total), progress);
    }

    /// <summary>
    /// The recipe trainer's loop: steps until <paramref name="until"/>, the loss logs (total in loss_log.csv, each term
    /// in recipe_loss_log.csv; rows after the trainer's step are dropped), a checkpoint every
    /// <paramref name="checkpointEvery"/> steps and at the end, and a snapshot after each step of <paramref name="snapshotSteps"/>.
    /// </summary>
    internal static TrainingRunResult RunRecipeSteps(string output, Siglip2RecipeTrainer trainer, RecipeBatchSource source, long until,
        long checkpointEvery, IReadOnlyCollection<long> snapshotSteps, IProgress<TrainingStepReport>? progress)
    {
        long first = trainer.Step, total = trainer.Options.Schedule.TotalSteps;
        using var lossLog = new LossLogWriter(Path.Combine(output, LossLogFileName), first);
        string componentsPath = Path.Combine(output, RecipeLossLogFileName);
        var kept = first > 0 && File.Exists(componentsPath)
            ? File.ReadLines(componentsPath).Skip(1).Where(l => long.TryParse(l.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture, out long s) && s <= first).ToList()
            : [];
        using var components = new StreamWriter(componentsPath, append: false);
        components.WriteLine("step,loss,sigmoid,locca,silc,tips");
        foreach (var line in kept) components.WriteLine(line);
        var clock = Stopwatch.StartNew();
        long imagesSeen = 0;
        double last = double.NaN;
        while (trainer.Step < until)
        {
            RecipeStepReport r;
            using (var batch = source.GetBatch(trainer.Step)) r = trainer.TrainStep(batch);
            var report = new TrainingStepReport(r.Step, r.Loss, r.LearningRate, Math.Exp(trainer.Model.LogitScale!.item<float>()),
                trainer.Model.LogitBias!.item<float>(), r.GradNorm, r.BatchSize, r.Seconds);
            lossLog.Report(report);
            progress?.Report(report);
            components.WriteLine(string.Join(",", new[] { r.Step, r.Loss, r.Sigmoid, r.Locca, r.Silc, r.Tips }.Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture))));
            components.Flush();
            imagesSeen += r.BatchSize;
            last = r.Loss;
            if (snapshotSteps.Contains(trainer.Step)) trainer.SaveCheckpoint(StageSnapshots.Folder(output, trainer.Step));
            if (checkpointEvery > 0 && trainer.Step % checkpointEvery == 0 && trainer.Step < until) trainer.SaveCheckpoint(output);
        }
        trainer.SaveCheckpoint(output);
        double seconds = clock.Elapsed.TotalSeconds;
        return new TrainingRunResult(output, first, trainer.Step, total, seconds, imagesSeen / seconds, source.WaitSeconds / seconds, last, lossLog.Path);
    }

    private sealed class CompositeProgress(params IProgress<TrainingStepReport>?[] targets) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport value)
        {
            foreach (var t in targets) t?.Report(value);
        }
    }
}
