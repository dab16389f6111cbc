using Siglip2.Cli.Infrastructure;
using Siglip2.Training;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 train`: trains a SigLIP 2 model on FashionScenes (sigmoid loss) and saves a Hugging Face checkpoint.</summary>
public sealed class TrainCommand : ICommand
{
    public string Name => "train";
    public string Summary => "train a SigLIP 2 model on FashionScenes (multilingual scenes from Fashion-MNIST)";
    public string Usage => $"""
        usage: siglip2 train --preset NAME --output DIR [--objectives siglip|locca|siglip2] [--max-steps N] [--seed S] [--resume] [--data DIR]

          --preset NAME     {string.Join(", ", TrainingRecipe.Presets.Select(p => p.Name))} (default tiny)
          --output DIR      checkpoint folder (Hugging Face layout + training_state.json, optimizer.bin,
                            loss_log.csv, loss_curve.png); `siglip2 embed/classify/eval --model DIR` load it
          --max-steps N     stop after N steps in total (the schedule still spans the preset's steps)
          --steps N         change the preset's schedule length
          --seed S          seed of initialisation and data (default 0)
          --resume          continue the run in DIR where it stopped (same loss curve)
          --data DIR        folder with the four Fashion-MNIST IDX .gz files (default: Debian's
                            dataset-fashion-mnist, /usr/share/datasets/fashion-mnist)
          --checkpoint-every N  save every N steps (default 200)
          --objectives X    siglip: sigmoid loss only (default); locca: + LocCa decoder (captioning,
                            referring expressions, grounded captions); siglip2: + LocCa + SILC/TIPS
                            self-distillation from 80% of the steps (fixed-resolution presets).
                            The decoder and SSL state are saved beside the model (see docs/training.md)
        presets:
        {string.Join("\n", TrainingRecipe.Presets.Select(p => $"  {p.Name,-12} {p.Description}"))}
        example: siglip2 train --preset tiny --output runs/tiny
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--preset", "--output", "--max-steps", "--steps", "--seed", "--data", "--checkpoint-every", "--objectives"], ["--resume"]);
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        var recipe = TrainingRecipe.Get(a.Optional("--preset") ?? "tiny");
        recipe = recipe with { Seed = a.Long("--seed", recipe.Seed) };
        if (a.Optional("--steps") is not null) recipe = recipe with { Steps = a.Int("--steps", (int)recipe.Steps, 1) };
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
        var result = Train(new TrainingRunOptions
        {
            Recipe = recipe,
            OutputFolder = output,
            DataDirectory = a.Optional("--data"),
            MaxSteps = maxSteps,
            Resume = a.Flag("--resume"),
            CheckpointEvery = a.Int("--checkpoint-every", 200, 1),
        });
        Output.Note($"checkpoint in {result.OutputFolder} (step {result.LastStep} of {result.TotalSteps}); {result.ImagesPerSecond:0} images/s; data preparation (background thread) {result.DataPrepareShare:P0} of the wall time, of which the model waited {result.DataWaitShare:P0}");
        return 0;
    }

    public static TrainingRunResult Train(TrainingRunOptions options)
    {
        ProgressReporter? bar = null;
        double loss = double.NaN;
        var progress = new Progress(r =>
        {
            bar ??= new ProgressReporter("training", (int)Math.Min(options.MaxSteps ?? long.MaxValue, options.Recipe.Steps), "steps");
            loss = double.IsNaN(loss) ? r.Loss : 0.9 * loss + 0.1 * r.Loss;
            bar.Report((int)r.Step, $"loss {loss:0.000}  {r.ImagesPerSecond:0} img/s  t {r.Temperature:0.0} b {r.Bias:0.00}");
        });
        TrainingRunResult result;
        try
        {
            result = TrainingRun.Execute(options, progress, Output.Note);
        }
        finally
        {
            bar?.Dispose();
        }
        string png = Path.Combine(options.OutputFolder, "loss_curve.png");
        if (File.Exists(result.LossLogPath))
            Plots.LossCurve(result.LossLogPath, png, $"FashionScenes — preset {options.Recipe.Name}");
        return result;
    }

    private sealed class Progress(Action<TrainingStepReport> action) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport value) => action(value);
    }
}
