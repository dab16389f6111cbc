using System.Text.Json;
using System.Text.RegularExpressions;
using Siglip2.Cli.Infrastructure;
using Siglip2.Tasks.Evaluation;
using Siglip2.Training;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 ablation`: SigLIP vs + LocCa vs SigLIP 2 at the same data and compute budget.</summary>
public sealed class AblationCommand : ICommand
{
    public string Name => "ablation";
    public string Summary => "train sigmoid-only, + LocCa and full SigLIP 2 at one budget and compare them (table + bar chart)";
    public string Usage => """
        usage: siglip2 ablation --output DIR [--steps N] [--batch-size B] [--seed S] [--data DIR] [--results FILE.md] [--png FILE.png]

          --output DIR      one sub-folder per row (checkpoint + decoder + loss log), ablation.md/.json/.png
          --steps N         training steps of every row (default 120)
          --batch-size B    batch size of every row (default 128)
          --seed S          seed of initialisation, data and augmentations (default 0)
          --data DIR        the four Fashion-MNIST IDX files (default: Debian's dataset-fashion-mnist)
          --results FILE    also write the table into the "## Ablation" section of this markdown file (e.g. docs/results.md)
          --png FILE        also copy the bar chart here (e.g. docs/ablation.png)
        The default budget (tiny model, 120 steps × 128) takes about 10–20 minutes on 2 shared cores for the three rows.
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--output", "--steps", "--batch-size", "--seed", "--data", "--results", "--png"], []);
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        string output = a.Required("--output", "a folder for the ablation runs");
        var recipe = AblationStudy.DefaultRecipe;
        recipe = recipe with
        {
            Steps = a.Int("--steps", (int)recipe.Steps, 10),
            BatchSize = a.Int("--batch-size", recipe.BatchSize, 8),
            Seed = a.Long("--seed", recipe.Seed),
        };
        var options = new AblationOptions { OutputFolder = output, DataDirectory = a.Optional("--data"), Recipe = recipe };
        ProgressReporter? bar = null;
        var progress = new Progress(r =>
        {
            if (r.Step == 1) { bar?.Dispose(); bar = new ProgressReporter("training", (int)recipe.Steps, "steps"); }
            bar?.Report((int)r.Step, $"loss {r.Loss:0.000} (sigmoid {r.Sigmoid:0.000}" + (double.IsNaN(r.Locca) ? "" : $", LocCa {r.Locca:0.000}") + (double.IsNaN(r.Silc) ? ")" : $", SILC {r.Silc:0.00}, TIPS {r.Tips:0.00})"));
        });
        IReadOnlyList<AblationRow> rows;
        try { rows = AblationStudy.Run(options, m => { bar?.Dispose(); bar = null; Output.Note(m); }, progress); }
        finally { bar?.Dispose(); }
        string markdown = AblationStudy.ToMarkdown(rows, options);
        File.WriteAllText(Path.Combine(output, "ablation.md"), markdown);
        File.WriteAllText(Path.Combine(output, "ablation.json"), JsonSerializer.Serialize(rows, Output.Json) + "\n");
        string png = Path.Combine(output, "ablation.png");
        var metrics = new[] { "zero-shot (en)", "I→T R@1", "T→I R@1", "referring acc.", "seg. mIoU" };
        Plots.Bars(png, $"SigLIP 2 ablation on FashionScenes ({recipe.Steps} steps × {recipe.BatchSize}, seed {recipe.Seed})", "%", metrics,
            rows.Select(r => (r.Name, new[] { r.ZeroShotEnglish, r.ImageToTextR1, r.TextToImageR1, r.ReferringAccuracy, r.SegmentationMeanIou }
                .Select(v => double.IsNaN(v) ? 0 : 100 * v).ToArray())).ToList());
        if (a.Optional("--png") is { } pngCopy) File.Copy(png, pngCopy, overwrite: true);
        if (a.Optional("--results") is { } results) WriteSection(results, markdown, a.Optional("--png"));
        Console.WriteLine(markdown);
        Output.Note($"wrote {Path.Combine(output, "ablation.md")}, ablation.json and {png}");
        return 0;
    }

    /// <summary>Replaces (or appends) the "## Ablation" section of a markdown file, keeping everything else.</summary>
    public static void WriteSection(string path, string table, string? png)
    {
        string existing = File.Exists(path) ? File.ReadAllText(path) : "";
        string image = png is null ? "" : $"\n![ablation]({Path.GetFileName(png)})\n";
        string section = $"## Ablation\n\nMeasured by `siglip2 ablation` ({DateTime.UtcNow:yyyy-MM-dd}).\n\n{table}{image}\n";
        var match = Regex.Match(existing, @"^## Ablation\n.*?(?=^## |\z)", RegexOptions.Multiline | RegexOptions.Singleline);
        string updated = match.Success
            ? existing[..match.Index] + section + existing[(match.Index + match.Length)..]
            : existing.TrimEnd() + "\n\n" + section;
        File.WriteAllText(path, updated);
    }

    private sealed class Progress(Action<RecipeStepReport> action) : IProgress<RecipeStepReport>
    {
        public void Report(RecipeStepReport value) => action(value);
    }
}
