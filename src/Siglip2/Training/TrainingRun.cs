using System.Diagnostics;
using Siglip2.Configuration;
using Siglip2.Data;
using Siglip2.Distributed;

namespace Siglip2.Training;

/// <summary>What <see cref="TrainingRun.Execute"/> is asked to do.</summary>
public sealed record TrainingRunOptions
{
    public required TrainingRecipe Recipe { get; init; }
    public required string OutputFolder { get; init; }
    /// <summary>Folder with the four Fashion-MNIST IDX files; null = Debian's dataset-fashion-mnist.</summary>
    public string? DataDirectory { get; init; }
    /// <summary>
    /// The user's image–text pairs (an <see cref="ImageTextDataSpec"/>: tar shards, a JSONL/CSV manifest, a captioned
    /// folder) instead of FashionScenes: the run is <see cref="UserDataTrainingRun"/>'s, with the recipe's
    /// <see cref="TrainingRecipe.BatchSize"/> as the global batch.
    /// </summary>
    public string? ImageTextData { get; init; }
    /// <summary>Image–text data: records held by the streaming shuffle (<see cref="ImageTextBatchOptions.ShuffleBufferSize"/>).</summary>
    public int ShuffleBufferSize { get; init; } = 1000;
    /// <summary>Image–text data: decoding threads (default: the cores shared by the processes).</summary>
    public int? DataWorkers { get; init; }
    /// <summary>Stop after this many steps in total (the schedule still spans the recipe's steps).</summary>
    public long? MaxSteps { get; init; }
    public bool Resume { get; init; }
    public long CheckpointEvery { get; init; } = 200;
}

/// <summary>Summary of a finished (or capped) run.</summary>
public sealed record TrainingRunResult(string OutputFolder, long FirstStep, long LastStep, long TotalSteps, double Seconds,
    double ImagesPerSecond, double DataWaitShare, double FinalLoss, string LossLogPath, double DataPrepareShare = 0);

/// <summary>
/// One FashionScenes training run end to end (on the user's image–text data: <see cref="UserDataTrainingRun"/>), a thin configuration over <see cref="RunFolder"/> and
/// <see cref="Trainer"/>: tokenizer (SentencePiece, trained on the captions), checkpoint files in the Hugging Face
/// layout (config.json, model.safetensors, tokenizer.model, tokenizer_config.json, preprocessor_config.json), the
/// recipe's objectives, training state for resuming, stage snapshots and the loss logs.
/// </summary>
public static class TrainingRun
{
    public static TrainingRunResult Execute(TrainingRunOptions o, IProgress<TrainingStepReport>? progress = null, Action<string>? log = null)
    {
        if (o.ImageTextData is not null) return UserDataTrainingRun.Execute(o, new SingleProcessGroup(), progress, log);
        log ??= _ => { };
        var recipe = o.Recipe;
        var run = new RunFolder(o.OutputFolder);
        run.CheckMainRun(o.Resume);
        if (o.Resume && RunFolder.TryReadRecipe(run.Path)?.ImageTextData is { } trained)
            throw new Siglip2Exception($"{run.Path} was trained on the image–text data '{trained}', not on FashionScenes; resume it with --data '{trained}'");
        Directory.CreateDirectory(run.Path);

        var data = FashionMnist.Load(o.DataDirectory);
        run.EnsureTokenizer(recipe, data, log);
        run.WriteConfigs(recipe);
        var (text, images, vocab) = run.Processors(recipe);

        using var trainer = o.Resume
            ? Trainer.Resume(run.Path)
            : Trainer.FromScratch(recipe.ModelConfig(vocab), recipe.Options(), recipe.Objectives, vocab);
        long first = trainer.Step, total = trainer.Options.Schedule.TotalSteps, until = Math.Min(total, o.MaxSteps ?? total);
        if (first >= until)
        {
            log($"nothing to do: the run is at step {first} of {until}");
            return new TrainingRunResult(run.Path, first, first, total, 0, 0, 0, double.NaN, run.File(RunFolder.LossLogFileName));
        }
        var scenes = new FashionScenes(data, recipe.RunScenes, SceneSplit.Train);
        BalancedSceneWindows? balanced = null;
        if (recipe.AttributeBalancing is { } order)
        {
            var balancing = AttributeBalancing.Calibrate(scenes.Stream(0, recipe.BalancingCalibrationScenes), order, recipe.Seed);
            balanced = new BalancedSceneWindows(scenes, balancing, recipe.BalancingWindow);
            log($"data balancing ({order}) of the caption attribute, calibrated on {recipe.BalancingCalibrationScenes:N0} scenes");
        }
        using var source = new RecipeBatchSource(scenes, _ => images, text, recipe.BatchSize, trainer.Objectives, total, recipe.Seed, balanced);
        var objectives = trainer.Objectives;
        log($"training {recipe.Name}" + (objectives.Locca || objectives.SelfDistillation
                ? $" with the SigLIP 2 recipe (LocCa {(objectives.Locca ? "on" : "off")}, SILC/TIPS {(objectives.SelfDistillation ? $"from step {trainer.SelfDistillationStep + 1}" : "off")})"
                : "")
            + $": steps {first + 1}..{until} of {total}, batch {recipe.BatchSize}, {(recipe.Naflex ? $"NaFlex {recipe.MaxNumPatches} patches" : $"{recipe.ImageSize}×{recipe.ImageSize}")}");
        return Steps(run, trainer, source, until, o.CheckpointEvery, StageSnapshots.Steps(total), progress);
    }

    /// <summary>
    /// The trainer's loop with a run folder's outputs: steps until <paramref name="until"/>, both loss logs (rows after
    /// the trainer's step dropped), a checkpoint every <paramref name="checkpointEvery"/> steps and at the end, and a
    /// stage snapshot after each step of <paramref name="snapshotSteps"/>.
    /// </summary>
    public static TrainingRunResult Steps(RunFolder run, Trainer trainer, IPrefetchingRecipeBatchSource source, long until, long checkpointEvery,
        IReadOnlyCollection<long> snapshotSteps, IProgress<TrainingStepReport>? progress)
    {
        long first = trainer.Step, total = trainer.Options.Schedule.TotalSteps;
        using var logs = run.OpenLogs(first, trainer.Process.IsMainProcess);
        var clock = Stopwatch.StartNew();
        var reports = trainer.Train(source, until, new CompositeProgress(logs, progress), run.Path, checkpointEvery, snapshotSteps);
        double seconds = clock.Elapsed.TotalSeconds;
        long images = reports.Sum(r => r.BatchSize) * trainer.Process.WorldSize; // every rank trains the same share of the global batch
        return new TrainingRunResult(run.Path, first, trainer.Step, total, seconds, images / seconds, source.WaitSeconds / seconds,
            reports.Count > 0 ? reports[^1].Loss : double.NaN, logs.LossLogPath, source.PrepareSeconds / seconds);
    }

    private sealed class CompositeProgress(params IProgress<TrainingStepReport>?[] targets) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport value)
        {
            foreach (var t in targets) t?.Report(value);
        }
    }
}
