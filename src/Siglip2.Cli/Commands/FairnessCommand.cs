using Siglip2.Cli.Infrastructure;
using Siglip2.Tasks.Evaluation;
using Siglip2.Training;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 fairness`: representation bias of the biased, balanced and unbiased FashionScenes streams (docs/results.md).</summary>
public sealed class FairnessCommand : ICommand
{
    public string Name => "fairness";
    public string Summary => "representation bias and data balancing in miniature: biased vs balanced vs unbiased captions";
    public string Usage => """
        usage: siglip2 fairness [--seeds 0,1] [--steps N] [--batch-size B] [--output DIR] [--results FILE.md] [--data DIR]

          --seeds LIST      seeds of each stream (default 0,1)
          --steps N         training steps per run (default 300); --batch-size B (default 256)
          --output DIR      run folders and scores (default runs/fairness); finished runs are reused
          --results FILE    replace the "## Representation bias" section of this markdown file
                            (default docs/results.md of the repository) and draw FILE's fairness.png beside it
          --data DIR        the Fashion-MNIST IDX files (default: Debian's dataset-fashion-mnist)
          --images N        test images for bias and zero-shot (default 10000); --scenes N retrieval scenes (default 1000)
        Three streams, same model, budget and seeds: captions that name an invisible maker ("by Aster" / "by
        Boreal") with a spurious class co-occurrence; the same stream through second-order data balancing; an
        unbiased control. About 4 minutes per run on 2 idle cores at the default budget.
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--seeds", "--steps", "--batch-size", "--output", "--results", "--data", "--images", "--scenes"], []);
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        var seeds = (a.IntList("--seeds", 0, int.MaxValue, "0,1") ?? [0, 1]).Select(s => (long)s).ToList();
        var recipe = FairnessExperiment.DefaultRecipe with
        {
            Steps = a.Int("--steps", (int)FairnessExperiment.DefaultRecipe.Steps, 1, 1_000_000),
            BatchSize = a.Int("--batch-size", FairnessExperiment.DefaultRecipe.BatchSize, 2, 65536),
        };
        recipe = recipe with { Description = $"tiny model, batch {recipe.BatchSize}, {recipe.Steps} steps, sigmoid loss" };
        string output = a.Optional("--output") ?? Path.Combine("runs", "fairness");
        string results = a.Optional("--results") ?? Path.Combine(RepositoryPaths.Root, "docs", "results.md");
        int images = a.Int("--images", 10000, 10, 10000), scenes = a.Int("--scenes", 1000, 10, 10000);
        var rows = FairnessExperiment.Run(output, seeds, recipe, a.Optional("--data"), images, scenes, Output.Note);
        string command = "./siglip2 fairness" + (args.Count > 0 ? " " + string.Join(" ", args) : "");
        string table = FairnessExperiment.Markdown(rows, recipe, command);
        Console.WriteLine(table);
        string png = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(results))!, "fairness.png");
        DrawChart(png, rows, recipe);
        WriteSection(results, table, Path.GetFileName(png));
        Output.Note($"wrote the representation-bias section of {results} and {png}");
        return 0;
    }

    private static void DrawChart(string png, IReadOnlyList<FairnessRow> rows, TrainingRecipe recipe)
    {
        string[] metrics = ["co-occurrence absorbed", "lean to Aster", "bias by class", "zero-shot (en)", "I→T R@1"];
        static double[] Of(FairnessRow r) => [100 * r.CoOccurrenceAbsorbed, 100 * r.AsterLean, 100 * r.ByClassBias, 100 * r.ZeroShot, 100 * r.ImageToTextR1];
        var streams = FairnessExperiment.Streams.Select(s => s.Name).Where(n => rows.Any(r => r.Stream == n)).ToList();
        var means = streams.Select(n => (n, Enumerable.Range(0, metrics.Length).Select(m => rows.Where(r => r.Stream == n).Average(r => Of(r)[m])).ToArray())).ToList();
        bool spread = rows.Select(r => r.Seed).Distinct().Count() > 1;
        var ranges = spread
            ? streams.Select(n => (Enumerable.Range(0, metrics.Length).Select(m => rows.Where(r => r.Stream == n).Min(r => Of(r)[m])).ToArray(),
                Enumerable.Range(0, metrics.Length).Select(m => rows.Where(r => r.Stream == n).Max(r => Of(r)[m])).ToArray())).ToList()
            : null;
        Plots.Bars(png, $"Representation bias vs quality ({recipe.Steps} steps × {recipe.BatchSize}; {(spread ? "mean, whiskers min–max" : "one seed")})", "%", metrics, means, ranges, width: 1000);
    }

    private static void WriteSection(string path, string table, string png) =>
        MarkdownSections.ReplaceHeading(path, "Representation bias",
            $"## Representation bias\n\n{FairnessText.Introduction}\n\n{table}\n![representation bias]({png})\n\n{FairnessText.Reading}\n");
}

/// <summary>The fixed prose of the representation-bias section (what is measured and what it does not show).</summary>
internal static class FairnessText
{
    public const string Introduction =
        "SigLIP 2 (§4) reports much lower representation bias than SigLIP, from de-biasing filters on its data after " +
        "Alabdulmohsin et al., \"CLIP the Bias\" (2024). In miniature: half of the English single-item FashionScenes captions " +
        "name a maker, \"by Aster\" or \"by Boreal\", which no image shows. In the **biased** stream Aster is named in 65% " +
        "of them overall (first-order bias) and in 95% for the even item classes but 35% for the odd ones (a spurious " +
        "class co-occurrence, second order). The **balanced** stream is the same stream through second-order data " +
        "balancing (each class's over-represented maker subsampled to parity, from counts of a 20,000-scene calibration " +
        "sample; windows of two batches keep the budget). The **unbiased control** names both makers equally for every " +
        "class. Representation bias is measured on the 10,000 Fashion-MNIST test images: for each image, whether " +
        "\"… {its class} by Aster\" scores above \"… by Boreal\" (the share per class). *Co-occurrence absorbed* is the " +
        "mean over classes of (share − 50%) signed towards the maker the biased captions favour for that class: the " +
        "spurious association the model took on (0 = none, 50% = all of it); an arbitrary per-class preference, which " +
        "any model has for words it never saw grounded, averages out. *Lean to Aster* is the mean share − 50% (the " +
        "biased captions lean +15%). *Representation bias by class* is the mean |share − 50%|, which counts those " +
        "arbitrary preferences too (its floor is the control's value). Zero-shot and retrieval use captions without the maker.";

    public const string Reading =
        "What it shows: how much of a spurious caption statistic the model absorbs at this scale, how much of it data " +
        "balancing removes, and at what cost in zero-shot accuracy and retrieval. Filtering a stream to balance one " +
        "attribute also changes its mix in other ways (here it drops attributed single-item scenes, the kind zero-shot is " +
        "scored on, so the balanced batches hold more multi-item scenes), which is part of the quality cost the cited work " +
        "reports for balancing. What it does not show: anything about real sensitive attributes, real images or other languages (only English captions " +
        "carry the maker), or association biases between two attributes; the makers are invented and the class split is arbitrary.";
}
