using System.Globalization;
using Siglip2.Cli.Infrastructure;
using Siglip2.Training;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 acid`: continues a trained checkpoint with ACID data curation against a teacher checkpoint.</summary>
public sealed class AcidCommand : ICommand
{
    public string Name => "acid";
    public string Summary => "continue a trained model with ACID curation: train on the super-batch examples most learnable vs a teacher";
    public string Usage => $"""
        usage: siglip2 acid --learner DIR --teacher DIR --output DIR [--keep F] [--steps N] [--batch-size B] [--lr X]
                            [--first-scene N] [--data DIR]
               siglip2 acid --learner DIR --no-curation --output DIR [...]      (the control: same steps, no selection)

          --learner DIR     the trained model to continue (a `siglip2 train` folder; its recipe.json gives the
                            scenes, batch size and length of its run)
          --teacher DIR     a frozen, larger or better trained checkpoint (e.g. `siglip2 train --preset small`); it may
                            have its own tokenizer and image size: each model scores the scenes with its own processors
          --output DIR      the continued checkpoint (Hugging Face layout: `siglip2 eval --model DIR` loads it), with
                            acid_log.csv, acid.json, loss_log.csv and loss_curve.png
          --keep F          fraction of each super-batch trained on, in (0, 1] (default {AcidOptions.DefaultKeep.ToString(CultureInfo.InvariantCulture)}; the paper: ½ for B/16,
                            ¼ for B/32); a step scores ⌊B / F⌋ scenes and trains on the B most learnable
          --steps N         steps of the stage (default {AcidOptions.DefaultStepShare:P0} of the learner's training steps)
          --batch-size B    examples trained on per step (default: the learner's batch size)
          --lr X            constant learning rate, no warm-up, no weight decay (default {AcidOptions.DefaultLearningRate.ToString(CultureInfo.InvariantCulture)}; the paper's
                            1e-5 is for ~10⁵ steps and barely moves a short run)
          --first-scene N   first training scene of the stage (default: right after the learner's training scenes)
          --no-curation     the control run: the first B scenes of every super-batch, no teacher, no scoring
          --data DIR        the four Fashion-MNIST IDX files (default: Debian's dataset-fashion-mnist)
        Selection (docs/training.md): per example, ℓ_i = −Σ_j log σ(z_ij(t·x_i·y_j + b)) over the super-batch for learner
        and teacher; the ⌈N·keep⌉ examples with the largest ℓ_i(learner) − ℓ_i(teacher) are kept (JEST / ACID learnability).
        example: siglip2 acid --learner runs/tiny --teacher runs/small --output runs/tiny-acid
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--learner", "--teacher", "--output", "--keep", "--steps", "--batch-size", "--lr", "--first-scene", "--data"], ["--no-curation"]);
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        string learner = a.Required("--learner", "the trained checkpoint folder to continue");
        string output = a.Required("--output", "a folder for the continued checkpoint");
        bool curate = !a.Flag("--no-curation");
        string? teacher = a.Optional("--teacher");
        if (curate && teacher is null) throw new UsageException("missing --teacher (the frozen teacher checkpoint folder), or pass --no-curation for the control run");
        if (!curate && teacher is not null) throw new UsageException("--no-curation trains without a teacher; drop --teacher");
        double keep = a.Double("--keep") ?? AcidOptions.DefaultKeep;
        if (keep is <= 0 or > 1) throw new UsageException($"--keep must be in (0, 1] (the fraction of each super-batch trained on), got {keep.ToString(CultureInfo.InvariantCulture)}");
        double lr = a.Double("--lr") ?? AcidOptions.DefaultLearningRate;
        if (!(lr > 0)) throw new UsageException($"--lr must be > 0, got {lr.ToString(CultureInfo.InvariantCulture)}");
        long? steps = a.Optional("--steps") is null ? null : a.Int("--steps", 1, 1);
        int? batch = a.Optional("--batch-size") is null ? null : a.Int("--batch-size", 1, 1);
        long? firstScene = a.Optional("--first-scene") is null ? null : a.Long("--first-scene", 0);
        if (firstScene is < 0) throw new UsageException("--first-scene must be ≥ 0");
        var options = new AcidOptions
        {
            LearnerFolder = learner, TeacherFolder = teacher, OutputFolder = output, DataDirectory = a.Optional("--data"),
            Curate = curate, Keep = keep, LearningRate = lr, Steps = steps, BatchSize = batch, FirstScene = firstScene,
        };
        var result = Execute(options);
        Output.Note(result.Curated
            ? $"ACID checkpoint in {result.OutputFolder}: {result.Steps} steps × {result.BatchSize} kept of {result.SuperBatchSize}, final loss {result.FinalLoss:0.000}; mean learnability of the kept examples {result.LearnabilityKept:0.00} vs {result.LearnabilityAll:0.00} over the super-batch ({result.Seconds:0} s)"
            : $"control checkpoint in {result.OutputFolder}: {result.Steps} steps × {result.BatchSize}, final loss {result.FinalLoss:0.000} ({result.Seconds:0} s)");
        return 0;
    }

    /// <summary>Runs the stage with a progress bar and draws loss_curve.png.</summary>
    public static AcidResult Execute(AcidOptions options)
    {
        ProgressReporter? bar = null;
        var progress = new Progress(r =>
        {
            bar ??= new ProgressReporter(options.Curate ? "ACID" : "control", (int)r.TotalSteps, "steps");
            string selection = double.IsNaN(r.Selection.LearnabilityKept) ? "" : $"  learnability kept {r.Selection.LearnabilityKept:0.00} / all {r.Selection.LearnabilityAll:0.00}";
            bar.Report((int)r.Step.Step, $"loss {r.Step.Loss:0.000}{selection}");
        });
        AcidResult result;
        try { result = AcidContinuation.Execute(options, progress, m => { bar?.Dispose(); bar = null; Output.Note(m); }); }
        finally { bar?.Dispose(); }
        string log = Path.Combine(options.OutputFolder, RunFolder.LossLogFileName);
        if (File.Exists(log)) Plots.LossCurve(log, Path.Combine(options.OutputFolder, "loss_curve.png"), options.Curate ? "ACID continuation" : "continuation without curation");
        return result;
    }

    private sealed class Progress(Action<AcidStepReport> action) : IProgress<AcidStepReport>
    {
        public void Report(AcidStepReport value) => action(value);
    }
}
