using Siglip2.Configuration;
using Siglip2.Data;
using Siglip2.Modeling;
using Siglip2.Processing.Images;

namespace Siglip2.Training;

/// <summary>What <see cref="StageContinuation.Execute"/> is asked to do.</summary>
public sealed record StageContinuationOptions
{
    /// <summary>The main run's folder (with <c>stage-snapshots/</c>, recipe.json and tokenizer.model).</summary>
    public required string SourceRun { get; init; }
    public required StageVariant Variant { get; init; }
    public required string OutputFolder { get; init; }
    /// <summary>Fixed variant: the new square input side (default <see cref="StageContinuation.DefaultImageSize"/>).</summary>
    public int? ImageSize { get; init; }
    /// <summary>NaFlex variant: max_num_patches values, one drawn per batch (default <see cref="StageContinuation.DefaultPatchBudgets"/>).</summary>
    public IReadOnlyList<int>? PatchBudgets { get; init; }
    /// <summary>Folder with the four Fashion-MNIST IDX files; null = Debian's dataset-fashion-mnist.</summary>
    public string? DataDirectory { get; init; }
    /// <summary>Stop after this many steps in total, counted from 0 like the main run (the schedule is unchanged).</summary>
    public long? MaxSteps { get; init; }
    public bool Resume { get; init; }
    public long CheckpointEvery { get; init; } = 200;
}

/// <summary>
/// The SigLIP 2 continuation stages (paper §2.4; docs/training.md "Continuation stages"): a main run's snapshot is
/// turned into a new run that trains the remaining steps of the same schedule (the learning rate continues), with
/// <list type="bullet">
/// <item><see cref="StageVariant.Fixed"/>: from ⌊0.95·T⌋, the image tower moved to a new square size
///   (<see cref="FixedResolutionChange"/>: position table resized), all of the run's losses;</item>
/// <item><see cref="StageVariant.Naflex"/>: from ⌊0.90·T⌋, the image tower converted to NaFlex
///   (<see cref="FixedToNaflexConversion"/>), aspect-preserving batches whose max_num_patches is drawn per batch from a
///   set (<see cref="PatchBudgetSchedule"/>), sigmoid + LocCa only (SILC/TIPS off).</item>
/// </list>
/// The output is a normal training folder (Hugging Face checkpoint, tokenizer, preprocessor_config.json, training
/// state, loss logs that start with the main run's rows up to the snapshot) plus <c>stage.json</c>; it resumes like
/// any run.
/// </summary>
public static class StageContinuation
{
    /// <summary>The NaFlex stage's sequence lengths for the tiny presets (16 = the 4×4 grid of the main run): the paper's
    /// {128, 256, 576, 784, 1024} around its 256-patch pretraining length, scaled to 0.5×, 1×, 1.5× and 2.25× of 16.</summary>
    public static IReadOnlyList<int> DefaultPatchBudgets { get; } = [8, 16, 24, 36];

    /// <summary>Default side of the fixed-resolution variant: 1.5 × the grid, in whole patches (28 → 42 with 7×7 patches).</summary>
    public static int DefaultImageSize(int imageSize, int patchSize) =>
        (int)Math.Round(imageSize / patchSize * 1.5, MidpointRounding.AwayFromZero) * patchSize;

    public static TrainingRunResult Execute(StageContinuationOptions o, IProgress<TrainingStepReport>? progress = null, Action<string>? log = null)
    {
        log ??= _ => { };
        string output = o.OutputFolder;
        bool hasState = File.Exists(Path.Combine(output, TrainingState.FileName));
        if (o.Resume && !(hasState && ContinuationRecord.Exists(output)))
            throw new Siglip2Exception($"nothing to resume in {output}: it holds no continued run (start it without --resume)");
        if (!o.Resume && (hasState || ContinuationRecord.Exists(output)))
            throw new Siglip2Exception($"{output} already holds a training run; pass --resume to continue it or choose another --output");
        if (Path.GetFullPath(output).TrimEnd('/') == Path.GetFullPath(o.SourceRun).TrimEnd('/'))
            throw new Siglip2Exception("the continued run needs its own --output folder, not the main run's");

        var record = o.Resume ? CheckResumed(o, output) : Prepare(o, log);
        var run = new RunFolder(output);
        var recipe = run.ReadRecipe();
        var data = FashionMnist.Load(o.DataDirectory);
        var (text, _, _) = run.Processors(recipe);
        var preprocessor = PreprocessorConfig.Load(run.File(RunFolder.PreprocessorConfigFileName));

        using var trainer = o.Resume ? Trainer.Resume(output) : Start(record, log);
        long first = trainer.Step, total = trainer.Options.Schedule.TotalSteps, until = Math.Min(total, o.MaxSteps ?? total);
        if (!o.Resume) trainer.SaveCheckpoint(output);
        if (first >= until)
        {
            log($"nothing to do: the run is at step {first} of {until}");
            return new TrainingRunResult(output, first, first, total, 0, 0, 0, double.NaN, run.File(RunFolder.LossLogFileName));
        }
        Func<long, IImageProcessor> imagesAt;
        if (record.Variant == StageVariant.Naflex)
        {
            var budgets = new PatchBudgetImageProcessors(new PatchBudgetSchedule(record.PatchBudgets!, record.BudgetSeed), preprocessor);
            imagesAt = budgets.At;
        }
        else
        {
            var fixedProcessor = ImageProcessorFactory.Create(preprocessor);
            imagesAt = _ => fixedProcessor;
        }
        var scenes = new FashionScenes(data, recipe.RunScenes, SceneSplit.Train);
        using var source = new RecipeBatchSource(scenes, imagesAt, text, recipe.BatchSize, trainer.Objectives, total, recipe.Seed);
        log($"continuing {record.SourceRun} ({record.Conversion}; {record.Objectives}): steps {first + 1}..{until} of {total}, batch {recipe.BatchSize}"
            + (record.Variant == StageVariant.Naflex ? $", max_num_patches drawn from {{{string.Join(", ", record.PatchBudgets!)}}}" : ""));
        return TrainingRun.Steps(run, trainer, source, until, o.CheckpointEvery, [], progress);
    }

    /// <summary>The snapshot a variant starts from, with the checks and messages of a continuation's start.</summary>
    public static string SnapshotFolder(string sourceRun, StageVariant variant, long totalSteps)
    {
        long step = StageSnapshots.StepFor(variant, totalSteps);
        string folder = StageSnapshots.Folder(sourceRun, step);
        if (!File.Exists(Path.Combine(folder, TrainingState.FileName)))
        {
            string existing = Directory.Exists(Path.Combine(sourceRun, StageSnapshots.FolderName))
                ? string.Join(", ", Directory.GetDirectories(Path.Combine(sourceRun, StageSnapshots.FolderName)).Select(Path.GetFileName).Order())
                : "none";
            throw new Siglip2Exception($"{sourceRun} has no stage snapshot for the {variant.ToString().ToLowerInvariant()} variant " +
                $"({Path.Combine(StageSnapshots.FolderName, Path.GetFileName(folder))}, after step {step} of {totalSteps}; snapshots there: {existing}). " +
                "Snapshots are kept by `siglip2 train` at 90% and 95% of the steps: finish the main run (--resume) or train it again");
        }
        return folder;
    }

    private static ContinuationRecord Prepare(StageContinuationOptions o, Action<string> log)
    {
        if (!Directory.Exists(o.SourceRun)) throw new Siglip2Exception($"run folder not found: {o.SourceRun}");
        var source = new RunFolder(o.SourceRun).ReadRecipe();
        if (source.ImageTextData is { } data)
            throw new Siglip2Exception($"{o.SourceRun} was trained on the image–text data '{data}'; the continuation stages train on FashionScenes and start from a FashionScenes run");
        if (source.Naflex || ContinuationRecord.Exists(o.SourceRun))
            throw new Siglip2Exception($"{o.SourceRun} is a {(source.Naflex ? "NaFlex" : "continued")} run; the continuation stages start from a fixed-resolution main run (e.g. --preset tiny)");
        string snapshot = SnapshotFolder(o.SourceRun, o.Variant, source.Steps);
        if (Siglip2Config.Load(snapshot).IsNaflex)
            throw new Siglip2Exception($"{snapshot} holds a NaFlex model already; the continuation stages start from a fixed-resolution main run (e.g. --preset tiny)");
        var state = TrainingState.Load(snapshot);
        if (state.Options.Schedule.TotalSteps != source.Steps)
            throw new Siglip2Exception($"{snapshot}: its schedule has {state.Options.Schedule.TotalSteps} steps, recipe.json says {source.Steps}");

        TrainingRecipe next;
        IVisionTowerConversion conversion;
        TrainingObjectives objectives;
        IReadOnlyList<int>? budgets = null;
        int? imageSize = null;
        if (o.Variant == StageVariant.Naflex)
        {
            if (o.ImageSize is not null) throw new Siglip2Exception("an image size applies to the fixed-resolution variant; the NaFlex variant takes patch budgets");
            budgets = (o.PatchBudgets ?? DefaultPatchBudgets).ToArray();
            _ = new PatchBudgetSchedule(budgets, source.Seed); // validates the list
            int grid = source.ImageSize / source.PatchSize;
            objectives = source.Objectives with { SelfDistillation = false };
            conversion = new FixedToNaflexConversion();
            next = source with
            {
                Name = source.Name + "-naflex",
                Description = $"{source.Name} continued from step {state.Step} as NaFlex (max_num_patches per batch from {{{string.Join(", ", budgets)}}})",
                Naflex = true, MaxNumPatches = grid * grid, Objectives = objectives,
            };
        }
        else
        {
            if (o.PatchBudgets is not null) throw new Siglip2Exception("patch budgets apply to the NaFlex variant; the fixed-resolution variant takes an image size");
            int size = o.ImageSize ?? DefaultImageSize(source.ImageSize, source.PatchSize);
            conversion = new FixedResolutionChange(size, source.PatchSize);
            imageSize = size;
            objectives = source.Objectives;
            next = source with
            {
                Name = $"{source.Name}-{size}",
                Description = $"{source.Name} continued from step {state.Step} at {size}×{size} (position embedding resized)",
                ImageSize = size,
            };
        }
        var run = new RunFolder(o.OutputFolder);
        run.CopyFrom(o.SourceRun, RunFolder.TokenizerFileName, RunFolder.TokenizerConfigFileName);
        // the continued run's loss curves start with the main run's rows up to the snapshot
        run.CopyLogsFrom(o.SourceRun, state.Step);
        run.WritePreprocessorConfig(next);
        run.WriteRecipe(next);
        var record = new ContinuationRecord
        {
            Variant = o.Variant, SourceRun = Path.GetFullPath(o.SourceRun), Snapshot = Path.GetFullPath(snapshot), StartStep = state.Step,
            TotalSteps = source.Steps, ImageSize = imageSize, PatchBudgets = budgets, BudgetSeed = source.Seed,
            Conversion = conversion.Description, Objectives = Describe(objectives),
        };
        record.Save(o.OutputFolder);
        log($"{o.Variant.ToString().ToLowerInvariant()} variant from {snapshot} (step {state.Step} of {source.Steps})");
        return record;
    }

    private static ContinuationRecord CheckResumed(StageContinuationOptions o, string output)
    {
        var record = ContinuationRecord.Load(output);
        if (record.Variant != o.Variant)
            throw new Siglip2Exception($"{output} continues the {record.Variant.ToString().ToLowerInvariant()} variant, not {o.Variant.ToString().ToLowerInvariant()}");
        if (o.ImageSize is { } size && size != record.ImageSize)
            throw new Siglip2Exception($"{output} was started at image size {record.ImageSize}; resume it without --image-size");
        if (o.PatchBudgets is { } b && !b.SequenceEqual(record.PatchBudgets ?? []))
            throw new Siglip2Exception($"{output} was started with patch budgets {string.Join(",", record.PatchBudgets ?? [])}; resume it without --patch-budgets");
        return record;
    }

    private static Trainer Start(ContinuationRecord record, Action<string> log)
    {
        using var main = Trainer.Resume(record.Snapshot);
        IVisionTowerConversion conversion = record.Variant == StageVariant.Naflex
            ? new FixedToNaflexConversion()
            : new FixedResolutionChange(record.ImageSize!.Value, main.Model.Config.Vision!.PatchSize);
        var objectives = record.Variant == StageVariant.Naflex ? main.Objectives with { SelfDistillation = false } : main.Objectives;
        log($"converting the model: {conversion.Description}");
        return main.ContinueAs(conversion, objectives);
    }

    private static string Describe(TrainingObjectives o) =>
        "sigmoid" + (o.Locca ? " + LocCa" : "") + (o.SelfDistillation ? $" + SILC/TIPS from {o.SelfDistillationStart * 100:0}%" : "");
}
