using Siglip2.Configuration;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Siglip2.Cli.Infrastructure;
using Siglip2.Tasks.Evaluation;
using Siglip2.Training;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 ablation`: SigLIP vs + LocCa vs SigLIP 2 (vs + ACID and its control) at the same budget, over seeds.</summary>
public sealed class AblationCommand : ICommand
{
    public string Name => "ablation";
    public string Summary => "train sigmoid-only, + LocCa, SigLIP 2, + ACID (and its control) at one budget over seeds and compare them (table + chart)";
    public string Usage => $"""
        usage: siglip2 ablation --output DIR [--steps N] [--batch-size B] [--seeds 0,1] [--data DIR] [--results FILE.md] [--png FILE.png]
                                [--acid-steps N] [--acid-keep F] [--acid-lr X] [--acid-teacher DIR] [--no-acid]

          --output DIR      seed-S/<row>/ per seed and row (checkpoint, decoder, loss log, row.json), acid-teacher/,
                            ablation.md/.json/.png and ablation_seeds.csv; finished rows are reused when rerun with
                            the same settings (a row cached before the depth probe existed gets it scored on its
                            checkpoint, without retraining)
          --steps N         training steps of every from-scratch row (default 120)
          --batch-size B    batch size of every row (default 128)
          --seeds LIST      comma-separated seeds; every row is trained and evaluated once per seed and the table
                            gives the mean and the min–max range (default 0,1); --seed S is --seeds S
          --acid-steps N    steps of the two continuations of the SigLIP 2 row: "+ ACID" and the control "+ extra
                            steps" without curation (default {AcidOptions.DefaultStepShare:P0} of --steps)
          --acid-keep F     fraction of each ACID super-batch trained on, in (0, 1] (default {AcidOptions.DefaultKeep.ToString(CultureInfo.InvariantCulture)}: super-batch 2B)
          --acid-lr X       constant learning rate of both continuations, no weight decay (default {AcidOptions.DefaultLearningRate.ToString(CultureInfo.InvariantCulture)})
          --acid-teacher DIR  a teacher checkpoint to use instead of training one; by default the `small` model is trained
                            once for {AblationStudy.TeacherStepFactor}× --steps (seed {AblationStudy.TeacherSeed}, own tokenizer) into DIR/{AblationStudy.TeacherFolderName}/
          --no-acid         only the three from-scratch rows
          --data DIR        the four Fashion-MNIST IDX files (default: Debian's dataset-fashion-mnist)
          --results FILE    also write the table and the command that reproduces it into the "## Ablation" section
                            of this markdown file (e.g. docs/results.md)
          --png FILE        also copy the bar chart here (e.g. docs/ablation.png)
        Measured: 300 steps × 256 (the table in docs/results.md) took about 18 minutes per seed for all five
        rows and their evaluations on 2 otherwise idle cores (27 beside other jobs); the default 120 × 128
        budget is about a fifth of that. A teacher trained by the ablation itself adds the `small` model at
        3× the steps (pass --acid-teacher to reuse one).
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--output", "--steps", "--batch-size", "--seed", "--seeds", "--data", "--results", "--png",
            "--acid-steps", "--acid-keep", "--acid-lr", "--acid-teacher"], ["--no-acid"]);
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        string output = a.Required("--output", "a folder for the ablation runs");
        var recipe = AblationStudy.DefaultRecipe;
        recipe = recipe with
        {
            Steps = a.Int("--steps", (int)recipe.Steps, 10),
            BatchSize = a.Int("--batch-size", recipe.BatchSize, 8),
        };
        if (a.Optional("--seed") is not null && a.Optional("--seeds") is not null) throw new UsageException("give either --seed or --seeds, not both");
        var seeds = a.Optional("--seed") is not null ? [a.Long("--seed", 0)] : ParseSeeds(a.Optional("--seeds") ?? "0,1");
        if (seeds.Any(s => s < 0)) throw new UsageException("seeds must be ≥ 0");
        bool acid = !a.Flag("--no-acid");
        double keep = a.Double("--acid-keep") ?? AcidOptions.DefaultKeep;
        if (keep is <= 0 or > 1) throw new UsageException($"--acid-keep must be in (0, 1] (the fraction of each super-batch trained on), got {keep.ToString(CultureInfo.InvariantCulture)}");
        double lr = a.Double("--acid-lr") ?? AcidOptions.DefaultLearningRate;
        if (!(lr > 0)) throw new UsageException($"--acid-lr must be > 0, got {lr.ToString(CultureInfo.InvariantCulture)}");
        long? acidSteps = a.Optional("--acid-steps") is null ? null : a.Int("--acid-steps", 1, 1);
        string? teacher = a.Optional("--acid-teacher");
        if (teacher is not null && !Directory.Exists(teacher)) throw new Siglip2Exception($"teacher checkpoint folder not found: {teacher} (--acid-teacher)");
        var options = new AblationOptions
        {
            OutputFolder = output, DataDirectory = a.Optional("--data"), Recipe = recipe, Seeds = seeds,
            Acid = acid, AcidSteps = acidSteps, AcidKeep = keep, AcidLearningRate = lr, TeacherFolder = teacher,
        };
        options.Validate();
        string? results = a.Optional("--results"), pngCopy = a.Optional("--png");
        string command = ReproduceCommand(options, results, pngCopy);

        ProgressReporter? bar = null;
        string? barLabel = null;
        var progress = new Progress(r =>
        {
            if (bar is null || barLabel != r.Label) { bar?.Dispose(); bar = new ProgressReporter(r.Label, (int)r.TotalSteps, "steps"); barLabel = r.Label; }
            bar.Report((int)r.Step, r.Detail);
        });
        AblationResult result;
        try { result = AblationStudy.Run(options, m => { bar?.Dispose(); bar = null; Output.Note(m); }, progress); }
        finally { bar?.Dispose(); }

        string markdown = AblationStudy.ToMarkdown(result, options);
        AtomicFile.WriteAllText(Path.Combine(output, "ablation.md"), markdown + $"\nReproduce with `{command}`.\n");
        AtomicFile.WriteAllText(Path.Combine(output, "ablation.json"), JsonSerializer.Serialize(new { command, result.Rows, result.Teacher }, Output.Json) + "\n");
        AtomicFile.WriteAllText(Path.Combine(output, "ablation_seeds.csv"), AblationStudy.ToCsv(result));
        string png = Path.Combine(output, "ablation.png");
        DrawChart(png, result, options);
        if (pngCopy is not null) File.Copy(png, pngCopy, overwrite: true);
        if (results is not null) WriteSection(results, markdown, pngCopy, command);
        Console.WriteLine(markdown);
        Output.Note($"wrote {Path.Combine(output, "ablation.md")}, ablation.json, ablation_seeds.csv and {png}");
        return 0;
    }

    private static List<long> ParseSeeds(string text)
    {
        var seeds = new List<long>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out long s))
                throw new UsageException($"--seeds must be comma-separated integers (e.g. 0,1,2), got '{text}'");
            seeds.Add(s);
        }
        if (seeds.Distinct().Count() != seeds.Count) throw new UsageException($"--seeds lists a seed twice: '{text}'");
        return seeds;
    }

    /// <summary>The one command line that reproduces the table with every setting spelled out (defaults may change later).</summary>
    public static string ReproduceCommand(AblationOptions o, string? results, string? png)
    {
        var parts = new List<string>
        {
            "./siglip2", "ablation", "--output", o.OutputFolder, "--steps", o.Recipe.Steps.ToString(CultureInfo.InvariantCulture),
            "--batch-size", o.Recipe.BatchSize.ToString(CultureInfo.InvariantCulture), "--seeds", string.Join(",", o.Seeds),
        };
        if (o.Acid)
        {
            parts.AddRange(["--acid-steps", o.AcidStepCount.ToString(CultureInfo.InvariantCulture), "--acid-keep", o.AcidKeep.ToString(CultureInfo.InvariantCulture),
                "--acid-lr", o.AcidLearningRate.ToString(CultureInfo.InvariantCulture)]);
            if (o.TeacherFolder is not null) parts.AddRange(["--acid-teacher", o.TeacherFolder]);
        }
        else parts.Add("--no-acid");
        if (o.DataDirectory is not null) parts.AddRange(["--data", o.DataDirectory]);
        if (results is not null) parts.AddRange(["--results", results]);
        if (png is not null) parts.AddRange(["--png", png]);
        return string.Join(" ", parts.Select(p => p.Length > 0 && p.All(c => char.IsLetterOrDigit(c) || "-_./,=:".Contains(c)) ? p : $"'{p}'"));
    }

    /// <summary>Bars of the seed means, whiskers from the min to the max over seeds: every metric in % (depth: δ1; its RMSE, in metres, is in the table only).</summary>
    public static void DrawChart(string png, AblationResult result, AblationOptions o)
    {
        var metrics = new[] { "zero-shot (en)", "I→T R@1", "T→I R@1", "referring acc.", "seg. mIoU", "depth δ1" };
        var summary = AblationSummary.Aggregate(result.Rows);
        static MetricSpread[] Of(AblationSummaryRow r) => [r.ZeroShotEnglish, r.ImageToTextR1, r.TextToImageR1, r.ReferringAccuracy, r.SegmentationMeanIou, r.DepthDelta1];
        static double P(double v) => double.IsNaN(v) ? 0 : 100 * v;
        string seeds = o.Seeds.Count == 1 ? $"seed {o.Seeds[0]}" : $"mean of seeds {string.Join(", ", o.Seeds)}, whiskers min–max";
        Plots.Bars(png, $"SigLIP 2 ablation on FashionScenes ({o.Recipe.Steps} steps × {o.Recipe.BatchSize}; {seeds})", "%", metrics,
            summary.Select(r => (r.Name, Of(r).Select(m => P(m.Mean)).ToArray())).ToList(),
            o.Seeds.Count > 1 ? summary.Select(r => (Of(r).Select(m => m.Count > 1 ? P(m.Min) : double.NaN).ToArray(), Of(r).Select(m => m.Count > 1 ? P(m.Max) : double.NaN).ToArray())).ToList() : null,
            width: 1100);
    }

    /// <summary>Replaces (or appends) the "## Ablation" section of a markdown file, keeping everything else.</summary>
    public static void WriteSection(string path, string table, string? png, string command)
    {
        string image = png is null ? "" : $"\n![ablation]({Path.GetFileName(png)})\n";
        string section = $"## Ablation\n\nMeasured by `siglip2 ablation` ({DateTime.UtcNow:yyyy-MM-dd}); reproduce with\n\n```bash\n{command}\n```\n\n{table}{image}\n";
        MarkdownSections.ReplaceHeading(path, "Ablation", section);
    }

    private sealed class Progress(Action<AblationProgress> action) : IProgress<AblationProgress>
    {
        public void Report(AblationProgress value) => action(value);
    }
}
