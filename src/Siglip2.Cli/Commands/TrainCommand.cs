using Siglip2.Cli.Infrastructure;
using Siglip2.Training;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 train`: trains a SigLIP 2 model from scratch (on FashionScenes or the user's image–text data) or fine-tunes one, and saves a Hugging Face checkpoint.</summary>
public sealed class TrainCommand : ICommand
{
    public string Name => "train";
    public string Summary => "train a SigLIP 2 model on FashionScenes (multilingual scenes from Fashion-MNIST) or your image–text pairs, or fine-tune one";
    public string Usage => $"""
        usage: siglip2 train --init MODEL --data SPEC --output DIR [--steps N] [--batch-size B] [--lr X]
                             [--lock-image] [--lock-text] [--eval-data SPEC] [--eval-limit N] [--resume]
               siglip2 train --preset NAME --output DIR [--objectives siglip|locca|siglip2] [--max-steps N] [--seed S] [--resume] [--data DIR]
               siglip2 train --preset NAME --data SPEC --output DIR [--objectives ...] [--batch-size B] [--shuffle-buffer N] [--max-steps N] [--resume]
               siglip2 train --continue-from RUN --variant naflex|fixed --output DIR [--image-size N] [--patch-budgets 8,16,24,36]
                             [--max-steps N] [--resume] [--data DIR]

          --preset NAME     {string.Join(", ", TrainingRecipe.Presets.Select(p => p.Name))} (default tiny)
          --output DIR      checkpoint folder (Hugging Face layout + training_state.json, optimizer.bin,
                            loss_log.csv, loss_curve.png); `siglip2 embed/classify/eval --model DIR` load it
          --max-steps N     stop after N steps in total (the schedule still spans the preset's steps)
          --steps N         change the preset's schedule length
          --seed S          seed of initialisation and data (default 0)
          --resume          continue the run in DIR where it stopped (same loss curve; a continued run
                            resumes from its stage.json, --continue-from is then optional)
          --data DIR        folder with the four Fashion-MNIST IDX .gz files (default: Debian's
                            dataset-fashion-mnist, /usr/share/datasets/fashion-mnist): FashionScenes
          --data SPEC       anything else is your image–text data (the SPEC forms below): the preset's
                            recipe from scratch, tokenizer trained on the first captions, LocCa as
                            captioning only (no boxes), SILC/TIPS on random crops; `mpirun -np N`
                            splits each global batch over N processes
          --batch-size B    the global batch (default: the preset's); --shuffle-buffer N (default 1000)
          --checkpoint-every N  save every N steps (default 200)
          --objectives X    siglip: sigmoid loss only (default); locca: + LocCa decoder (captioning,
                            referring expressions, grounded captions); siglip2: + LocCa + SILC/TIPS
                            self-distillation from 80% of the steps (fixed-resolution presets).
                            The decoder and SSL state are saved beside the model (see docs/training.md)
        fine-tuning a checkpoint on your own image–text pairs (docs/training.md, docs/data.md):
          --init MODEL      a checkpoint folder or Hub id (either layout); its tokenizer and processor are kept
          --data SPEC       WebDataset tar shards ({"data/{00000..00099}.tar"}), a JSONL/CSV manifest
                            (image,text[,lang]), or a folder of images with .txt captions
          --steps N         optimizer steps (default 1000); --batch-size B the global batch (default 64)
          --lr X            peak learning rate (default 1e-5; warm-up 10% of the steps, then cosine)
          --lock-image      LiT: the image tower stays as released; --lock-text the same for the text tower
          --eval-data SPEC  held-out pairs: image↔text retrieval R@1/R@5 before and after (first
                            --eval-limit N pairs, default 1000), in DIR/finetune_eval.json
          --eval-classes ROOT  class folders (ImageNet layout): zero-shot top-1 before and after
          with `mpirun -np N ./siglip2 train ...` N processes share each global batch (docs/distributed.md)
        continuation stages (SigLIP 2 §2.4; a run keeps snapshots in RUN/stage-snapshots/ at 90% and 95%):
          --continue-from RUN  a finished (or ≥ 95%) fixed-resolution run of `siglip2 train`
          --variant fixed   from the 95% snapshot at a new square size, position embedding resized,
                            all of the run's losses, until the end of the same schedule
          --variant naflex  from the 90% snapshot with a NaFlex image tower (aspect preserved), the
                            sequence length drawn per batch from --patch-budgets, no SILC/TIPS
          --image-size N    fixed variant: the new side (default 1.5 × the grid, 28 → 42 for tiny)
          --patch-budgets L naflex variant: max_num_patches values (default {string.Join(",", StageContinuation.DefaultPatchBudgets)})
        presets:
        {string.Join("\n", TrainingRecipe.Presets.Select(p => $"  {p.Name,-12} {p.Description}"))}
        examples: siglip2 train --preset tiny --objectives siglip2 --output runs/tiny2
                  siglip2 train --preset tiny --objectives siglip2 --data "shards/{00000..00009}.tar" --output runs/mine
                  siglip2 train --continue-from runs/tiny2 --variant naflex --output runs/tiny2-naflex
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--preset", "--output", "--max-steps", "--steps", "--seed", "--data", "--checkpoint-every", "--objectives",
            "--continue-from", "--variant", "--image-size", "--patch-budgets", "--init", "--batch-size", "--lr", "--warmup", "--eval-data", "--eval-limit",
            "--shuffle-buffer", "--eval-classes"], ["--resume", "--lock-image", "--lock-text"]);
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        if (a.Optional("--init") is not null) return FineTuneCommandLine.Run(a);
        foreach (var option in new[] { "--lr", "--warmup", "--eval-data", "--eval-limit", "--eval-classes", "--lock-image", "--lock-text" })
            if (a.Optional(option) is not null || a.Flag(option)) throw new UsageException($"{option} belongs to fine-tuning (--init MODEL --data SPEC)");
        if (a.Optional("--continue-from") is not null || a.Optional("--variant") is not null
            || (a.Flag("--resume") && a.Optional("--output") is { } o && ContinuationRecord.Exists(o)))
            return Continue(a);
        foreach (var option in new[] { "--image-size", "--patch-budgets" })
            if (a.Optional(option) is not null) throw new UsageException($"{option} belongs to a continuation (--continue-from RUN --variant ...)");
        // --data: a folder with the Fashion-MNIST IDX files is FashionScenes (as without --data); anything else is image–text data
        string? data = a.Optional("--data");
        bool userData = data is not null && !Siglip2.Data.FashionMnist.HoldsIdxFiles(data);
        if (!userData && a.Optional("--shuffle-buffer") is not null)
            throw new UsageException("--shuffle-buffer belongs to training on image–text data (--data SPEC with tar shards, a manifest or a captioned folder)");
        var recipe = TrainingRecipe.Get(a.Optional("--preset") ?? "tiny");
        recipe = recipe with { Seed = a.Long("--seed", recipe.Seed) };
        if (a.Optional("--steps") is not null) recipe = recipe with { Steps = a.Int("--steps", (int)recipe.Steps, 1) };
        if (a.Optional("--batch-size") is not null) recipe = recipe with { BatchSize = a.Int("--batch-size", recipe.BatchSize, 2, 1 << 20) };
        recipe = recipe with
        {
            Objectives = a.Choice("--objectives", new Dictionary<string, TrainingObjectives>
            {
                ["siglip"] = new TrainingObjectives(),
                ["locca"] = new TrainingObjectives { Locca = true },
                ["siglip2"] = new TrainingObjectives { Locca = true, SelfDistillation = true },
            }, recipe.Objectives),
        };
        string output = a.Required("--output", "a folder for the checkpoint");
        long? maxSteps = a.Optional("--max-steps") is null ? null : a.Long("--max-steps", 0);
        if (maxSteps is < 1) throw new UsageException("--max-steps must be ≥ 1");
        var options = new TrainingRunOptions
        {
            Recipe = recipe,
            OutputFolder = output,
            DataDirectory = userData ? null : data,
            ImageTextData = userData ? data : null,
            ShuffleBufferSize = a.Int("--shuffle-buffer", 1000, 1, 10_000_000),
            MaxSteps = maxSteps,
            Resume = a.Flag("--resume"),
            CheckpointEvery = a.Int("--checkpoint-every", 200, 1),
        };
        if (userData) return TrainOnData(options);
        if (Siglip2.Distributed.ProcessGroup.DetectLauncher() is { } launcher)
            throw new UsageException($"training on FashionScenes runs in one process (started by an MPI launcher: {launcher}); mpirun takes --data SPEC with image–text data, or --init MODEL");
        var result = Train(options);
        Output.Note($"checkpoint in {result.OutputFolder} (step {result.LastStep} of {result.TotalSteps}); {result.ImagesPerSecond:0} images/s; data preparation (background thread) {result.DataPrepareShare:P0} of the wall time, of which the model waited {result.DataWaitShare:P0}");
        return 0;
    }

    /// <summary>`--continue-from RUN --variant naflex|fixed`: a SigLIP 2 continuation stage (StageContinuation).</summary>
    private static int Continue(ParsedArguments a)
    {
        foreach (var option in new[] { "--preset", "--objectives", "--steps", "--seed", "--batch-size", "--shuffle-buffer" })
            if (a.Optional(option) is not null)
                throw new UsageException($"{option} cannot be combined with --continue-from: a continuation keeps the main run's recipe, objectives, batch and schedule");
        string output = a.Required("--output", "a folder for the continued run");
        ContinuationRecord? existing = a.Flag("--resume") && ContinuationRecord.Exists(output) ? ContinuationRecord.Load(output) : null;
        string source = a.Optional("--continue-from") ?? existing?.SourceRun
            ?? throw new UsageException("missing --continue-from (the main run to continue)");
        var variant = a.Choice("--variant", new Dictionary<string, StageVariant?> { ["naflex"] = StageVariant.Naflex, ["fixed"] = StageVariant.Fixed }, null)
            ?? existing?.Variant ?? throw new UsageException("missing --variant (naflex or fixed)");
        if (variant == StageVariant.Naflex && a.Optional("--image-size") is not null)
            throw new UsageException("--image-size belongs to --variant fixed; the NaFlex variant keeps each image's aspect ratio (see --patch-budgets)");
        if (variant == StageVariant.Fixed && a.Optional("--patch-budgets") is not null)
            throw new UsageException("--patch-budgets belongs to --variant naflex; the fixed variant takes --image-size");
        int? imageSize = a.Optional("--image-size") is null ? null : a.Int("--image-size", 0, 1, 4096);
        var budgets = a.IntList("--patch-budgets", 1, 100_000);
        long? maxSteps = a.Optional("--max-steps") is null ? null : a.Long("--max-steps", 0);
        if (maxSteps is < 1) throw new UsageException("--max-steps must be ≥ 1");
        var options = new StageContinuationOptions
        {
            SourceRun = source, Variant = variant, OutputFolder = output, ImageSize = imageSize, PatchBudgets = budgets,
            DataDirectory = a.Optional("--data"), MaxSteps = maxSteps, Resume = a.Flag("--resume"),
            CheckpointEvery = a.Int("--checkpoint-every", 200, 1),
        };
        long total = RunFolder.TryReadRecipe(source)?.Steps ?? 0;
        var result = Run(options.OutputFolder, (int)Math.Min(maxSteps ?? total, total), $"{variant.ToString().ToLowerInvariant()} continuation of {source}",
            progress => StageContinuation.Execute(options, progress, Output.Note));
        Output.Note($"checkpoint in {result.OutputFolder} (step {result.LastStep} of {result.TotalSteps}); {result.ImagesPerSecond:0} images/s");
        return 0;
    }

    /// <summary>
    /// `--preset NAME --data SPEC` on image–text data: the recipe from scratch (UserDataTrainingRun), in one process or as
    /// one rank of `mpirun -np N` (the global batch split over the ranks). A rank that fails ends the whole job with its message.
    /// </summary>
    private static int TrainOnData(TrainingRunOptions options)
    {
        using var group = Siglip2.Distributed.ProcessGroup.Create();
        try
        {
            bool main = group.Rank == 0;
            var recipe = options.Recipe;
            var result = main
                ? Run(options.OutputFolder, (int)Math.Min(options.MaxSteps ?? long.MaxValue, recipe.Steps), $"{options.ImageTextData} — preset {recipe.Name}",
                    progress => UserDataTrainingRun.Execute(options, group, progress, Output.Note))
                : UserDataTrainingRun.Execute(options, group);
            group.Barrier();
            if (!main) return 0;
            Output.Note($"checkpoint in {result.OutputFolder} (step {result.LastStep} of {result.TotalSteps}); {result.ImagesPerSecond:0} images/s"
                + (group.Size > 1 ? $" over {group.Size} processes" : "")
                + $"; data preparation (background thread) {result.DataPrepareShare:P0} of the wall time, of which the model waited {result.DataWaitShare:P0}");
            return 0;
        }
        catch (Exception e) when (group.Size > 1 && e is not OperationCanceledException)
        {
            group.Abort(1, $"siglip2 train: rank {group.Rank} of {group.Size}: error: {Siglip2.Configuration.MessageText.OneLine(e.Message)}");
            throw; // not reached: Abort ends the process
        }
    }

    public static TrainingRunResult Train(TrainingRunOptions options) =>
        Run(options.OutputFolder, (int)Math.Min(options.MaxSteps ?? long.MaxValue, options.Recipe.Steps), $"FashionScenes — preset {options.Recipe.Name}",
            progress => TrainingRun.Execute(options, progress, Output.Note));

    /// <summary>Runs a training job with a progress bar, then draws the loss curve beside the checkpoint.</summary>
    internal static TrainingRunResult Run(string outputFolder, int steps, string title, Func<IProgress<TrainingStepReport>, TrainingRunResult> execute)
    {
        ProgressReporter? bar = null;
        double loss = double.NaN;
        var progress = new Progress(r =>
        {
            bar ??= new ProgressReporter("training", steps, "steps");
            loss = double.IsNaN(loss) ? r.Loss : 0.9 * loss + 0.1 * r.Loss;
            bar.Report((int)r.Step, $"loss {loss:0.000}  {r.ImagesPerSecond:0} img/s  t {r.Temperature:0.0} b {r.Bias:0.00}");
        });
        TrainingRunResult result;
        try
        {
            result = execute(progress);
        }
        finally
        {
            bar?.Dispose();
        }
        string png = Path.Combine(outputFolder, "loss_curve.png");
        if (File.Exists(result.LossLogPath))
            Plots.LossCurve(result.LossLogPath, png, title);
        return result;
    }

    internal sealed class Progress(Action<TrainingStepReport> action) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport value) => action(value);
    }
}
